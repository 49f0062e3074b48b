import { describe, expect, it } from 'vitest';
import {
  EVENT_TYPES,
  EVENT_TYPE_NAMES,
  isEventType,
} from '../../src/domain/catalogue/event-types.ts';
import {
  HOOK_IDS,
  eventTypesOfHook,
  isHookId,
  kazooFields,
} from '../../src/domain/catalogue/hooks.ts';
import { SAMPLE_PAYLOADS } from '../../src/domain/catalogue/samples.ts';
import { hookOf, twinOf } from '../../src/domain/catalogue/names.ts';
import { SUBSCRIBABLE_LISTING, sampleFor, samples } from '../../src/domain/catalogue/render.ts';

const KAZOO_HOOKS = [
  'channel_create',
  'channel_answer',
  'channel_bridge',
  'channel_destroy',
  'object',
  'parking',
  'sms',
  'notifications',
  'all',
];

const KAZOO_EVENT_TYPES = [
  'channel_create',
  'channel_answer',
  'channel_bridge',
  'channel_destroy',
  'doc_created',
  'doc_edited',
  'doc_deleted',
  'parking',
  'sms',
  'notifications',
];

// The catalogue of docs/events.md, in its order.
const VOIPBIN_TYPES = [
  'call_created',
  'call_ringing',
  'call_progressing',
  'call_answered',
  'call_updated',
  'call_hungup',
  'message_created',
  'message_updated',
  'message_deleted',
  'recording_created',
  'recording_updated',
  'recording_deleted',
  'transcribe_created',
  'transcribe_updated',
  'transcribe_deleted',
  'transcript_created',
  'queue_created',
  'queue_updated',
  'queuecall_created',
  'queuecall_kicking',
  'queuecall_serviced',
  'conference_created',
  'conference_updated',
  'confbridge_created',
  'confbridge_updated',
  'activeflow_created',
  'activeflow_updated',
  'activeflow_deleted',
];

describe('GET /v2/webhooks listing', () => {
  it('lists the Kazoo hooks (with all) as kind "hook", then every other subscribable type', () => {
    expect(SUBSCRIBABLE_LISTING.filter((h) => h.kind === 'hook').map((h) => h.id)).toEqual(
      KAZOO_HOOKS,
    );
    expect(SUBSCRIBABLE_LISTING.filter((h) => h.kind === 'event_type').map((h) => h.id)).toEqual([
      'doc_created',
      'doc_edited',
      'doc_deleted',
      ...VOIPBIN_TYPES,
    ]);
  });

  it('has unique ids, and every row has a name and a description', () => {
    expect(new Set(SUBSCRIBABLE_LISTING.map((h) => h.id)).size).toBe(SUBSCRIBABLE_LISTING.length);
    for (const row of SUBSCRIBABLE_LISTING) {
      expect(row.name).toBe(row.id);
      expect(row.description.length).toBeGreaterThan(0);
    }
  });

  it('describes the object hook modifiers in Kazoo shape', () => {
    const object = SUBSCRIBABLE_LISTING.find((h) => h.id === 'object');
    expect(object).toEqual({
      id: 'object',
      name: 'object',
      description: 'Receive notifications when objects in Kazoo are changed',
      kind: 'hook',
      modifiers: {
        type: {
          type: 'array',
          description: 'A list of object types to handle',
          items: [
            'account',
            'call_recording',
            'callflow',
            'device',
            'fax',
            'faxbox',
            'mailbox_message',
            'media',
            'user',
            'vmbox',
          ],
        },
        action: {
          type: 'array',
          description: 'A list of object actions to handle',
          items: ['doc_created', 'doc_edited', 'doc_deleted'],
        },
      },
    });
  });

  it('shows a VoIPBIN type with its Kazoo twin, and a doc event with its hook', () => {
    expect(SUBSCRIBABLE_LISTING.find((h) => h.id === 'call_hungup')).toEqual({
      id: 'call_hungup',
      name: 'call_hungup',
      description: 'The call has ended',
      kind: 'event_type',
      twin: 'channel_destroy',
    });
    expect(SUBSCRIBABLE_LISTING.find((h) => h.id === 'doc_edited')).toMatchObject({
      hook: 'object',
    });
  });

  it('does not leak internal fields (modifierFields) into the listing', () => {
    const notifications = SUBSCRIBABLE_LISTING.find((h) => h.id === 'notifications');
    expect(Object.keys(notifications ?? {}).sort()).toEqual([
      'description',
      'id',
      'kind',
      'modifiers',
      'name',
    ]);
  });
});

describe('publishable event types', () => {
  it('are the Kazoo event types then every VoIPBIN type of the catalogue', () => {
    expect(EVENT_TYPES.map((e) => e.type)).toEqual([...KAZOO_EVENT_TYPES, ...VOIPBIN_TYPES]);
    expect(EVENT_TYPE_NAMES).toEqual([...KAZOO_EVENT_TYPES, ...VOIPBIN_TYPES]);
  });

  it.each([
    ['channel_create', true],
    ['doc_edited', true],
    ['call_hungup', true],
    ['activeflow_deleted', true],
    ['object', false], // a hook, not an event type: producers publish doc_* instead
    ['all', false],
    ['call_hangup', false],
    ['', false],
  ])('isEventType(%j) is %s', (type, expected) => {
    expect(isEventType(type)).toBe(expected);
  });

  it.each([
    ['all', true],
    ['object', true],
    ['channel_destroy', true],
    ['notifications', true],
    ['doc_edited', false],
    ['call_created', false],
    ['ALL', false],
  ])('isHookId(%j) is %s', (hook, expected) => {
    expect(isHookId(hook)).toBe(expected);
  });

  it('each event type with a hook names an existing hook, and every twin points back', () => {
    for (const entry of EVENT_TYPES) {
      if (entry.hook) expect(isHookId(entry.hook)).toBe(true);
      if (entry.twin) expect(twinOf(entry.twin)).toBe(entry.type);
      expect(Object.keys(entry.sample).length).toBeGreaterThan(0);
    }
  });
});

describe('twins and hooks', () => {
  it.each([
    ['channel_create', 'call_created'],
    ['call_created', 'channel_create'],
    ['channel_answer', 'call_answered'],
    ['call_answered', 'channel_answer'],
    ['channel_destroy', 'call_hungup'],
    ['call_hungup', 'channel_destroy'],
    ['channel_bridge', undefined],
    ['call_ringing', undefined],
    ['unknown', undefined],
  ])('twinOf(%j) is %j', (type, twin) => {
    expect(twinOf(type)).toBe(twin);
  });

  it.each([
    ['channel_create', 'channel_create'],
    ['call_created', 'channel_create'],
    ['call_answered', 'channel_answer'],
    ['call_hungup', 'channel_destroy'],
    ['doc_created', 'object'],
    ['doc_edited', 'object'],
    ['doc_deleted', 'object'],
    ['parking', 'parking'],
    ['sms', 'sms'],
    ['notifications', 'notifications'],
    ['message_created', undefined],
    ['call_ringing', undefined],
    ['unknown', undefined],
  ])('an event of type %j reaches the Kazoo hook %j', (type, hook) => {
    expect(hookOf(type)).toBe(hook);
  });

  it('the Kazoo flat view of an object event carries the event type as its action', () => {
    expect(kazooFields('doc_edited', { id: 'd1', type: 'device' })).toEqual({
      id: 'd1',
      type: 'device',
      action: 'doc_edited',
    });
    expect(kazooFields('channel_create', { call_id: 'c1' })).toEqual({ call_id: 'c1' });
  });
});

describe('samples', () => {
  it('a channel_create sample is a flat Kazoo channel payload', () => {
    expect(sampleFor('channel_create')).toMatchObject({
      hook_event: 'channel_create',
      account_id: expect.any(String),
      call_id: expect.any(String),
      other_leg_call_id: expect.any(String),
      caller_id_number: '+15551234567',
      callee_id_number: '+15557654321',
      call_direction: 'inbound',
      timestamp: 63_897_840_000,
    });
  });

  it('a channel_destroy sample carries the hangup cause', () => {
    expect(sampleFor('channel_destroy')).toMatchObject({
      hook_event: 'channel_destroy',
      hangup_cause: 'NORMAL_CLEARING',
      hangup_code: 'sip:200',
    });
  });

  it('the object hook sample is a created user; a doc_edited sample says doc_edited', () => {
    expect(sampleFor('object')).toEqual({
      id: 'c4c0ad092e57bc1d28e69bbd20dad932',
      account_id: '5a2d994fbae69b1d6b01eb9f0e7dfe62',
      type: 'user',
      action: 'doc_created',
      hook_event: 'object',
    });
    expect(sampleFor('doc_edited')).toMatchObject({ action: 'doc_edited', hook_event: 'object' });
  });

  it('a VoIPBIN sample is the {type, data} envelope around the call resource', () => {
    const sample = sampleFor('call_hungup');
    expect(sample).toMatchObject({
      type: 'call_hungup',
      data: {
        id: expect.any(String),
        source: { type: 'tel', target: '+15551234567' },
        destination: { type: 'tel', target: '+15557654321' },
        status: 'hangup',
        direction: 'incoming',
        hangup_reason: 'normal',
      },
    });
    expect(Object.keys(sample ?? {})).toEqual(['type', 'data']);
  });

  it.each(['all', 'nope', ''])('has no sample for %j', (id) => {
    expect(sampleFor(id)).toBeUndefined();
  });

  it('samples() gives one sample per listed id except all', () => {
    const ids = samples().map((s) => s.id);
    expect(ids).toEqual(SUBSCRIBABLE_LISTING.map((h) => h.id).filter((id) => id !== 'all'));
    expect(samples().find((s) => s.id === 'parking')?.sample).toMatchObject({
      event_name: 'PARK_PARKED',
      parking_slot: 1,
      hook_event: 'parking',
    });
  });

  it('samples are copies: changing one does not change the catalogue', () => {
    const first = sampleFor('call_created') as { data: Record<string, unknown> };
    first.data.status = 'changed';
    expect((sampleFor('call_created') as { data: Record<string, unknown> }).data.status).toBe(
      'dialing',
    );
  });
});

describe('one table each', () => {
  it('every event type has a sample payload, and every sample payload an event type', () => {
    expect(Object.keys(SAMPLE_PAYLOADS)).toEqual([...EVENT_TYPE_NAMES]);
  });

  it('HOOK_IDS are the Kazoo hooks, all included', () => {
    expect(HOOK_IDS).toEqual(KAZOO_HOOKS);
  });

  it.each([
    ['channel_create', ['channel_create', 'call_created']],
    ['channel_destroy', ['channel_destroy', 'call_hungup']],
    ['channel_bridge', ['channel_bridge']],
    ['object', ['doc_created', 'doc_edited', 'doc_deleted']],
    ['notifications', ['notifications']],
    ['all', []],
    ['nope', []],
  ])('the %j hook covers %j', (hook, types) => {
    expect(eventTypesOfHook(hook)).toEqual(types);
  });
});
