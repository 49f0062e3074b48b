import { describe, expect, it } from 'vitest';
import { callKeyOf, effectiveOrdering, orderedCallKey } from '../../src/domain/call-order.ts';
import { callIdOf } from '../../src/domain/dialects/read-call.ts';

describe('the call an event is about, in every dialect', () => {
  it.each([
    [
      'Kazoo channel_create',
      'channel_create',
      { call_id: 'kz-1', call_direction: 'inbound' },
      'kz-1',
    ],
    ['Kazoo channel_destroy, bare', 'channel_destroy', { call_id: 'kz-1' }, 'kz-1'],
    [
      'VoIPBIN call_hungup',
      'call_hungup',
      { id: 'vb-1', source: { type: 'tel', target: '+1555' }, tm_create: '2026-12-05 10:00:00' },
      'vb-1',
    ],
    ['VoIPBIN call_created, bare', 'call_created', { id: 'vb-2' }, 'vb-2'],
    [
      'jambonz (call_sid, not its SIP call_id)',
      'call_answered',
      { call_sid: 'jz-1', call_id: 'sip-1@x' },
      'jz-1',
    ],
    [
      'a Kazoo payload published under the VoIPBIN twin',
      'call_created',
      { call_id: 'kz-2', call_direction: 'outbound' },
      'kz-2',
    ],
    ['a call event without an id', 'channel_answer', { call_direction: 'inbound' }, undefined],
    ['an event that is not about a call', 'sms', { call_id: 'kz-3' }, undefined],
    ['a VoIPBIN recording (its id is not a call)', 'recording_created', { id: 'rec-1' }, undefined],
  ])('%s', (_, type, payload, expected) => {
    expect(callIdOf({ type, payload })).toBe(expected);
  });

  it('names one call the same way whichever twin it was published under', () => {
    const created = callIdOf({
      type: 'channel_create',
      payload: { call_id: 'c', call_direction: 'inbound' },
    });
    const hungup = callIdOf({
      type: 'call_hungup',
      payload: { call_id: 'c', call_direction: 'inbound' },
    });
    expect(created).toBe(hungup);
  });
});

describe('ordering rules', () => {
  it.each([
    [null, null, 'none'],
    [null, 'call', 'call'],
    ['none', 'call', 'none'],
    ['call', null, 'call'],
    ['call', 'none', 'call'],
    [undefined, 'bogus', 'none'],
  ] as const)('webhook %s, account default %s → %s', (own, account, expected) => {
    expect(effectiveOrdering(own, account)).toBe(expected);
  });

  it('keys a call by a fixed-length digest, whatever characters its id has', () => {
    expect(callKeyOf('a|b}c')).toMatch(/^[0-9a-f]{20}$/);
    expect(callKeyOf('x')).toBe(callKeyOf('x'));
    expect(callKeyOf('x')).not.toBe(callKeyOf('y'));
  });

  it('orders only call events, and only for webhooks that order by call', () => {
    const event = { type: 'channel_create', payload: { call_id: 'c1', call_direction: 'inbound' } };
    expect(orderedCallKey(event, 'call')).toBe(callKeyOf('c1'));
    expect(orderedCallKey(event, 'none')).toBeNull();
    expect(orderedCallKey({ type: 'sms', payload: {} }, 'call')).toBeNull();
  });
});
