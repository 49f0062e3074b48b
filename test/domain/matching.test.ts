import { describe, expect, it } from 'vitest';
import {
  webhookReceives,
  type MatchableEvent,
  type MatchableWebhook,
} from '../../src/domain/matching.ts';

// Account tree: root → reseller → customer
const ROOT = 'root';
const RESELLER = 'reseller';
const CUSTOMER = 'customer';
const TREE_OF_CUSTOMER = [ROOT, RESELLER, CUSTOMER];

function webhook(overrides: Partial<MatchableWebhook> = {}): MatchableWebhook {
  return {
    accountId: CUSTOMER,
    hook: 'all',
    eventTypes: [],
    modifiers: null,
    customData: null,
    includeSubaccounts: false,
    enabled: true,
    ...overrides,
  };
}

function event(type: string, payload: Record<string, unknown> = {}): MatchableEvent {
  return { type, accountId: CUSTOMER, payload };
}

describe('enabled and account scope', () => {
  it.each<[string, Partial<MatchableWebhook>, boolean]>([
    ['an enabled webhook of the event account', {}, true],
    ['a disabled webhook of the event account', { enabled: false }, false],
    ['a parent webhook without include_subaccounts', { accountId: RESELLER }, false],
    [
      'a parent webhook with include_subaccounts',
      { accountId: RESELLER, includeSubaccounts: true },
      true,
    ],
    [
      'a grandparent (root) webhook with include_subaccounts',
      { accountId: ROOT, includeSubaccounts: true },
      true,
    ],
    [
      'a disabled ancestor webhook with include_subaccounts',
      { accountId: ROOT, includeSubaccounts: true, enabled: false },
      false,
    ],
    [
      'a sibling account webhook with include_subaccounts',
      { accountId: 'sibling', includeSubaccounts: true },
      false,
    ],
  ])('%s → %s', (_name, overrides, expected) => {
    expect(webhookReceives(event('channel_create'), webhook(overrides), TREE_OF_CUSTOMER)).toBe(
      expected,
    );
  });

  it('a child account webhook never receives its parent account events', () => {
    const parentEvent: MatchableEvent = {
      type: 'channel_create',
      accountId: RESELLER,
      payload: {},
    };
    const childHook = webhook({ accountId: CUSTOMER, includeSubaccounts: true });
    expect(webhookReceives(parentEvent, childHook, [ROOT, RESELLER])).toBe(false);
  });
});

describe('hook subscribers', () => {
  it.each<[string, string, boolean]>([
    ['all', 'channel_create', true],
    ['all', 'message_created', true],
    ['all', 'doc_deleted', true],
    ['channel_create', 'channel_create', true],
    ['channel_create', 'call_created', true], // twin
    ['channel_answer', 'call_answered', true],
    ['channel_destroy', 'call_hungup', true],
    ['channel_destroy', 'channel_create', false],
    ['channel_create', 'call_ringing', false],
    ['object', 'doc_created', true],
    ['object', 'doc_edited', true],
    ['object', 'doc_deleted', true],
    ['object', 'channel_create', false],
    ['parking', 'parking', true],
    ['sms', 'message_created', false],
    ['notifications', 'notifications', true],
  ])('a %s hook receives a %s event: %s', (hook, type, expected) => {
    expect(webhookReceives(event(type), webhook({ hook }), TREE_OF_CUSTOMER)).toBe(expected);
  });
});

describe('event_types subscribers', () => {
  it.each<[string[], string, boolean]>([
    [['call_hungup'], 'call_hungup', true],
    [['call_hungup'], 'channel_destroy', true], // twin
    [['channel_create'], 'call_created', true], // twin, the other way
    [['call_answered', 'message_created'], 'message_created', true],
    [['call_answered'], 'call_created', false],
    [['doc_edited'], 'doc_edited', true],
    [['doc_edited'], 'doc_created', false],
    [[], 'call_created', false],
  ])('event_types %j receives a %s event: %s', (eventTypes, type, expected) => {
    expect(
      webhookReceives(event(type), webhook({ hook: null, eventTypes }), TREE_OF_CUSTOMER),
    ).toBe(expected);
  });
});

describe('modifiers', () => {
  const inboundCall = event('channel_create', {
    call_direction: 'inbound',
    caller_id_number: '+15551234567',
    timestamp: 63_897_840_000,
    custom_channel_vars: { owner_id: 'u1' },
  });

  it.each<[string, Record<string, unknown>, boolean]>([
    ['a scalar that equals', { call_direction: 'inbound' }, true],
    ['a scalar that differs', { call_direction: 'outbound' }, false],
    ['a list containing the value', { call_direction: ['outbound', 'inbound'] }, true],
    ['a list without the value', { call_direction: ['outbound'] }, false],
    ['a number compared as a string', { timestamp: '63897840000' }, true],
    ['a string list against a number', { timestamp: ['1', '63897840000'] }, true],
    ['a field the event lacks', { hangup_cause: 'NORMAL_CLEARING' }, false],
    ['all keys must match', { call_direction: 'inbound', caller_id_number: '+1999' }, false],
    ['a dotted path into a nested field', { 'custom_channel_vars.owner_id': 'u1' }, true],
    ['a null value (no restriction)', { call_direction: null }, true],
    ['an empty list (no restriction)', { call_direction: [] }, true],
    ['no modifiers at all', {}, true],
  ])('%s → %s', (_name, modifiers, expected) => {
    expect(
      webhookReceives(
        inboundCall,
        webhook({ hook: 'channel_create', modifiers }),
        TREE_OF_CUSTOMER,
      ),
    ).toBe(expected);
  });

  it.each<[string, Record<string, unknown>, boolean]>([
    ['action = the event type', { action: 'doc_edited' }, true],
    ['action list without it', { action: ['doc_created', 'doc_deleted'] }, false],
    ['type = the doc type', { type: ['user', 'device'] }, true],
    ['type of another doc type', { type: 'callflow' }, false],
    ['both', { type: 'device', action: 'doc_edited' }, true],
  ])('an object hook with modifier %s → %s', (_name, modifiers, expected) => {
    const deviceEdited = event('doc_edited', { id: 'd1', type: 'device' });
    expect(
      webhookReceives(deviceEdited, webhook({ hook: 'object', modifiers }), TREE_OF_CUSTOMER),
    ).toBe(expected);
  });

  it('a notifications hook filters its type modifier on the notification event_name', () => {
    const voicemail = event('notifications', { event_name: 'voicemail_new' });
    const wants = (type: string[]) =>
      webhookReceives(
        voicemail,
        webhook({ hook: 'notifications', modifiers: { type } }),
        TREE_OF_CUSTOMER,
      );
    expect(wants(['voicemail_new', 'missed_call'])).toBe(true);
    expect(wants(['missed_call'])).toBe(false);
  });

  it('modifiers apply to event_types subscribers too, on the event payload', () => {
    const hungup = event('call_hungup', { direction: 'incoming', status: 'hangup' });
    const only = (direction: string) =>
      webhook({ hook: null, eventTypes: ['call_hungup'], modifiers: { direction } });
    expect(webhookReceives(hungup, only('incoming'), TREE_OF_CUSTOMER)).toBe(true);
    expect(webhookReceives(hungup, only('outgoing'), TREE_OF_CUSTOMER)).toBe(false);
  });
});

describe('custom_data filters of the object hook (Kazoo)', () => {
  const userCreated = event('doc_created', { id: 'u1', type: 'user' });

  it.each<[string, Record<string, string>, boolean]>([
    ['type equal to the doc type', { type: 'user' }, true],
    ['type of another doc type', { type: 'device' }, false],
    ['action equal to the event type', { action: 'doc_created' }, true],
    ['another action', { action: 'doc_deleted' }, false],
    ['both matching', { type: 'user', action: 'doc_created' }, true],
    ['unrelated keys only', { crm: 'acme' }, true],
  ])('custom_data with %s → %s', (_name, customData, expected) => {
    expect(
      webhookReceives(userCreated, webhook({ hook: 'object', customData }), TREE_OF_CUSTOMER),
    ).toBe(expected);
  });

  it('custom_data type/action do not filter other hooks', () => {
    const hook = webhook({ hook: 'channel_create', customData: { type: 'user', action: 'x' } });
    expect(webhookReceives(event('channel_create'), hook, TREE_OF_CUSTOMER)).toBe(true);
  });
});

describe('hostile modifier keys', () => {
  it.each(['toString', 'constructor', 'valueOf', '__proto__', 'hasOwnProperty', 'a.toString'])(
    'a modifier named %s neither throws nor matches an event without that field',
    (key) => {
      for (const hook of ['notifications', 'all', 'object']) {
        const w = webhook({ hook, modifiers: { [key]: 'x' } });
        for (const e of [
          event('notifications', { event_name: 'voicemail_new', a: {} }),
          event('doc_edited', { type: 'device' }),
        ]) {
          expect(() => webhookReceives(e, w, TREE_OF_CUSTOMER)).not.toThrow();
          expect(webhookReceives(e, w, TREE_OF_CUSTOMER)).toBe(false);
        }
      }
    },
  );

  it('a payload field with such a name still matches by its own value', () => {
    const w = webhook({ modifiers: { toString: 'yes' } });
    expect(webhookReceives(event('sms', { toString: 'yes' }), w, TREE_OF_CUSTOMER)).toBe(true);
  });
});

describe("Kazoo's include_internal_legs", () => {
  const internal = event('channel_create', { call_id: 'c', is_internal_leg: true });
  const external = event('channel_create', { call_id: 'c' });

  it('a hook with include_internal_legs false skips events of internal legs', () => {
    const w = webhook({ hook: 'channel_create', includeInternalLegs: false });
    expect(webhookReceives(internal, w, TREE_OF_CUSTOMER)).toBe(false);
    expect(
      webhookReceives(event('channel_create', { is_internal_leg: 'true' }), w, TREE_OF_CUSTOMER),
    ).toBe(false);
    expect(webhookReceives(external, w, TREE_OF_CUSTOMER)).toBe(true);
  });

  it('by default (true, as in Kazoo) internal legs are delivered', () => {
    expect(webhookReceives(internal, webhook({ hook: 'channel_create' }), TREE_OF_CUSTOMER)).toBe(
      true,
    );
    expect(
      webhookReceives(
        internal,
        webhook({ hook: 'channel_create', includeInternalLegs: true }),
        TREE_OF_CUSTOMER,
      ),
    ).toBe(true);
  });
});

describe('custom_data.type filters the notifications hook (Kazoo’s webhooks_notifications)', () => {
  const voicemail = event('notifications', { event_name: 'voicemail_new' });

  it.each<[string, Record<string, unknown> | null, boolean]>([
    ['no custom_data', null, true],
    ['type equal to the notification name', { type: 'voicemail_new' }, true],
    ['another type', { type: 'missed_call' }, false],
    ['type "all"', { type: 'all' }, true],
    ['a list holding the name', { type: ['missed_call', 'voicemail_new'] }, true],
    ['a list without it', { type: ['missed_call'] }, false],
    ['an empty type (the UI’s blank select)', { type: '' }, true],
    ['unrelated keys only (Kazoo would drop these; we do not)', { crm: 'acme' }, true],
  ])('%s → %s', (_name, customData, expected) => {
    expect(
      webhookReceives(voicemail, webhook({ hook: 'notifications', customData }), TREE_OF_CUSTOMER),
    ).toBe(expected);
  });

  it('custom_data.type does not filter an `all` hook', () => {
    const hook = webhook({ hook: 'all', customData: { type: 'missed_call' } });
    expect(webhookReceives(voicemail, hook, TREE_OF_CUSTOMER)).toBe(true);
  });
});
