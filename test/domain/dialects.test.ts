import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readKazooCall, writeKazooCall } from '../../src/domain/dialects/kazoo-call.ts';
import { readVoipbinCall, writeVoipbinCall } from '../../src/domain/dialects/voipbin-call.ts';
import { readJambonzCall, writeJambonzCall } from '../../src/domain/dialects/jambonz-call.ts';
import { sourceShapeOf } from '../../src/domain/dialects/read-call.ts';
import { jaxlCallId, writeJaxlRequest } from '../../src/domain/dialects/jaxl-call.ts';
import { checkDialect } from '../../src/domain/dialects/checks.ts';
import { dialectCarries, dialectOf, typesCarriedBy } from '../../src/domain/dialects/registry.ts';
import { shapePayload, toQueryString, type ShapeInput } from '../../src/domain/payload.ts';
import type { CanonicalCall } from '../../src/domain/call-model.ts';

/**
 * Fixtures shaped after each platform's documentation (Kazoo's webhooks doc, VoIPBIN's "Struct
 * Call", jambonz's call-status hook); the values are ours.
 */
const GREGORIAN_2026_11_23_10_02_05 = 63_962_647_325; // unix 1795428125
const KAZOO_DESTROY = {
  account_id: 'a1b2c3',
  call_id: 'abc123@10.0.0.1',
  other_leg_call_id: 'leg-b',
  call_direction: 'inbound',
  caller_id_number: '+15551234567',
  caller_id_name: 'Alice',
  callee_id_number: '+15557654321',
  callee_id_name: 'Sales',
  hangup_cause: 'NORMAL_CLEARING',
  hangup_code: 'sip:200',
  duration_seconds: 125,
  billing_seconds: 120,
  ringing_seconds: 5,
  timestamp: GREGORIAN_2026_11_23_10_02_05,
  custom_channel_vars: { crm: '42' },
};
const VOIPBIN_HUNGUP = {
  id: '9a4b8e2c-7c1f-11ee-9d43-0f6b3a4c6f01',
  customer_id: '5e4a0680-804e-11ec-8477-2fea5968d85b',
  flow_id: 'e1a3e6c8-7c1f-11ee-8f2a-4b7d1c9e2a10',
  type: 'flow',
  master_call_id: '00000000-0000-0000-0000-000000000000',
  source: { type: 'tel', target: '+15551234567', target_name: 'Alice', name: '', detail: '' },
  destination: { type: 'tel', target: '+15557654321', target_name: '', name: '', detail: '' },
  status: 'hangup',
  direction: 'outgoing',
  hangup_by: 'remote',
  hangup_reason: 'busy',
  tm_create: '2026-11-23 10:00:00.000000',
  tm_update: '2026-11-23 10:00:09.000000',
  tm_ringing: '2026-11-23 10:00:01.000000',
  tm_progressing: '9999-01-01 00:00:00.000000',
  tm_hangup: '2026-11-23 10:00:09.000000',
};
const JAMBONZ_COMPLETED = {
  call_sid: 'b4a1c3f2-1111-4e2a-9c3d-5e6f7a8b9c0d',
  call_id: 'f1e2d3c4@sip.example.net',
  application_sid: 'app-7',
  account_sid: 'acct-9',
  parent_call_sid: 'parent-1',
  direction: 'inbound',
  from: '+15551234567',
  to: '+15557654321',
  caller_name: 'Alice',
  call_status: 'completed',
  sip_status: 200,
  sip_reason: 'OK',
  duration: 42,
  trace_id: 't-1',
};

describe('reading each platform’s call payload into the call model', () => {
  it.each<[string, () => ReturnType<typeof readKazooCall>, CanonicalCall, string[]]>([
    [
      'Kazoo channel_destroy',
      () => readKazooCall(KAZOO_DESTROY, true),
      {
        callId: 'abc123@10.0.0.1',
        sipCallId: 'abc123@10.0.0.1',
        parentCallId: 'leg-b',
        accountId: 'a1b2c3',
        from: '+15551234567',
        to: '+15557654321',
        callerName: 'Alice',
        calleeName: 'Sales',
        direction: 'inbound',
        sipStatus: 200,
        hangupCause: 'NORMAL_CLEARING',
        endReason: 'normal',
        durationSeconds: 125,
        billingSeconds: 120,
        updatedAt: '2026-11-23T10:02:05.000Z',
        endedAt: '2026-11-23T10:02:05.000Z',
        createdAt: '2026-11-23T10:00:00.000Z',
        answeredAt: '2026-11-23T10:00:05.000Z',
      },
      ['custom_channel_vars'],
    ],
    [
      'VoIPBIN call (hung up busy)',
      () => readVoipbinCall(VOIPBIN_HUNGUP),
      {
        callId: VOIPBIN_HUNGUP.id,
        accountId: VOIPBIN_HUNGUP.customer_id,
        from: '+15551234567',
        callerName: 'Alice',
        to: '+15557654321',
        direction: 'outbound',
        status: 'busy',
        endReason: 'busy',
        hangupBy: 'remote',
        createdAt: '2026-11-23T10:00:00.000Z',
        updatedAt: '2026-11-23T10:00:09.000Z',
        ringingAt: '2026-11-23T10:00:01.000Z',
        endedAt: '2026-11-23T10:00:09.000Z',
      },
      ['flow_id', 'type'],
    ],
    [
      'jambonz call status (completed)',
      () => readJambonzCall(JAMBONZ_COMPLETED),
      {
        callId: JAMBONZ_COMPLETED.call_sid,
        sipCallId: JAMBONZ_COMPLETED.call_id,
        parentCallId: 'parent-1',
        accountId: 'acct-9',
        applicationId: 'app-7',
        direction: 'inbound',
        from: '+15551234567',
        to: '+15557654321',
        callerName: 'Alice',
        status: 'completed',
        endReason: 'normal',
        sipStatus: 200,
        sipReason: 'OK',
        durationSeconds: 42,
      },
      ['trace_id'],
    ],
  ])('%s', (_name, read, call, extras) => {
    const result = read();
    expect(result.call).toEqual(call);
    expect(Object.keys(result.extras).sort()).toEqual(extras.sort());
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['call_sid', JAMBONZ_COMPLETED, 'jambonz'],
    ['source/destination objects', VOIPBIN_HUNGUP, 'voipbin'],
    ['call_id with caller fields', KAZOO_DESTROY, 'kazoo'],
    ['nothing telling', { foo: 1 }, 'voipbin'],
  ])('tells the shape by %s', (_name, payload, shape) => {
    expect(sourceShapeOf(payload, 'voipbin')).toBe(shape);
  });
});

describe('writing the call model in each platform’s schema', () => {
  const call: CanonicalCall = readKazooCall(KAZOO_DESTROY, true).call;

  it('VoIPBIN: the call resource with id, hangup_reason and RFC 3339 times', () => {
    expect(writeVoipbinCall({ ...call, status: 'completed' }, 'hungup')).toEqual({
      id: 'abc123@10.0.0.1',
      customer_id: 'a1b2c3',
      master_call_id: 'leg-b',
      source: { type: 'tel', target: '+15551234567', target_name: 'Alice' },
      destination: { type: 'tel', target: '+15557654321', target_name: 'Sales' },
      status: 'hangup',
      direction: 'incoming',
      hangup_reason: 'normal',
      tm_create: '2026-11-23T10:00:00.000Z',
      tm_update: '2026-11-23T10:02:05.000Z',
      tm_progressing: '2026-11-23T10:00:05.000Z',
      tm_hangup: '2026-11-23T10:02:05.000Z',
    });
  });

  it('VoIPBIN: a new call leaves out what has not happened yet, and invents nothing', () => {
    expect(writeVoipbinCall({ callId: 'c1', direction: 'outbound' }, 'created')).toEqual({
      id: 'c1',
      status: 'dialing',
      direction: 'outgoing',
    });
  });

  // Current VoIPBIN: RFC 3339 times, omitted until they happen; older payloads: space-separated
  // times and a 9999-01-01 "not yet" marker. Both read; RFC 3339 written, unset times absent.
  it.each<[string, Record<string, unknown>, Partial<CanonicalCall>, string[]]>([
    [
      'RFC 3339 with Z and microseconds',
      { tm_create: '2026-11-23T10:00:00.123456Z', tm_hangup: '2026-11-23T10:00:09Z' },
      { createdAt: '2026-11-23T10:00:00.123Z', endedAt: '2026-11-23T10:00:09.000Z' },
      ['tm_ringing', 'tm_progressing'],
    ],
    [
      'RFC 3339 with an offset',
      { tm_create: '2026-11-23T11:00:00+01:00', tm_progressing: '2026-11-23T05:00:03-05:00' },
      { createdAt: '2026-11-23T10:00:00.000Z', answeredAt: '2026-11-23T10:00:03.000Z' },
      ['tm_ringing', 'tm_hangup'],
    ],
    [
      'the older space format and the 9999 marker',
      {
        tm_create: '2026-11-23 10:00:00.000000',
        tm_ringing: '9999-01-01 00:00:00.000000',
        tm_progressing: '9999-01-01T00:00:00Z',
      },
      { createdAt: '2026-11-23T10:00:00.000Z' },
      ['tm_ringing', 'tm_progressing', 'tm_hangup'],
    ],
    [
      'omitted and unreadable times',
      { tm_create: 'yesterday', tm_ringing: 12, tm_hangup: null },
      {},
      ['tm_create', 'tm_ringing', 'tm_progressing', 'tm_hangup'],
    ],
  ])('VoIPBIN times: %s', (_name, times, expected, absent) => {
    const payload = { id: 'vb-1', status: 'progressing', direction: 'incoming', ...times };
    const { call } = readVoipbinCall(payload);
    for (const key of ['createdAt', 'ringingAt', 'answeredAt', 'endedAt'] as const) {
      expect(call[key]).toBe(expected[key]);
    }
    const written = writeVoipbinCall(call, 'updated');
    for (const key of absent) expect(written).not.toHaveProperty(key);
    for (const value of Object.values(written)) {
      if (typeof value === 'string' && /^\d{4}-/.test(value)) {
        expect(value).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      }
    }
  });

  it('jambonz: call_sid, call_status, sip_status and the SIP reason phrase', () => {
    expect(writeJambonzCall({ ...call, status: 'completed' })).toEqual({
      call_sid: 'abc123@10.0.0.1',
      call_id: 'abc123@10.0.0.1',
      parent_call_sid: 'leg-b',
      account_sid: 'a1b2c3',
      direction: 'inbound',
      from: '+15551234567',
      to: '+15557654321',
      caller_name: 'Alice',
      call_status: 'completed',
      sip_status: 200,
      sip_reason: 'OK',
      duration: 125,
    });
  });

  it('Kazoo: Q.850 cause, sip hangup_code, durations and Gregorian timestamp', () => {
    const voipbin = readVoipbinCall({ ...VOIPBIN_HUNGUP, hangup_reason: 'normal' }).call;
    expect(
      writeKazooCall(
        { ...voipbin, answeredAt: '2026-11-23T10:00:04.000Z', ringingAt: undefined },
        true,
      ),
    ).toEqual({
      call_id: VOIPBIN_HUNGUP.id,
      call_direction: 'outbound',
      caller_id_number: '+15551234567',
      caller_id_name: 'Alice',
      callee_id_number: '+15557654321',
      hangup_cause: 'NORMAL_CLEARING',
      duration_seconds: 9,
      billing_seconds: 5,
      timestamp: 63_962_647_209,
    });
  });

  it.each<
    [
      string,
      (c: CanonicalCall) => Record<string, unknown>,
      (p: Record<string, unknown>) => CanonicalCall,
    ]
  >([
    ['Kazoo', (c) => writeKazooCall(c, true), (p) => readKazooCall(p, true).call],
    ['VoIPBIN', (c) => writeVoipbinCall(c, 'hungup'), (p) => readVoipbinCall(p).call],
    ['jambonz', (c) => writeJambonzCall(c), (p) => readJambonzCall(p).call],
  ])('%s: what it writes reads back to the same parties, direction and ids', (_n, write, read) => {
    const back = read(write({ ...call, status: 'completed' }));
    expect(back).toMatchObject({
      callId: call.callId,
      from: call.from,
      to: call.to,
      callerName: call.callerName,
      direction: call.direction,
      endReason: 'normal',
    });
  });
});

describe('one published call event, every subscriber in its own dialect', () => {
  const CREATED = new Date('2026-11-23T10:02:06Z');
  const event = (type: string, payload: Record<string, unknown>): ShapeInput['event'] => ({
    id: 'evt',
    type,
    accountId: 'sb-acc',
    payload,
    created: CREATED,
  });
  const subscriber = (webhook: Partial<ShapeInput['webhook']>): ShapeInput['webhook'] => ({
    hook: null,
    eventTypes: ['call_hungup'],
    customData: null,
    ...webhook,
  });

  it('a Kazoo channel_destroy reaches a jambonz subscriber as a completed call status', () => {
    const body = shapePayload({
      event: event('channel_destroy', KAZOO_DESTROY),
      webhook: subscriber({ dialect: 'jambonz' }),
    });
    expect(body).toMatchObject({
      call_sid: KAZOO_DESTROY.call_id,
      call_status: 'completed',
      sip_status: 200,
      sip_reason: 'OK',
      direction: 'inbound',
      from: '+15551234567',
      to: '+15557654321',
      caller_name: 'Alice',
      custom_channel_vars: { crm: '42' },
    });
  });

  it('a jambonz-shaped call_hungup reaches a Kazoo channel_destroy hook in Kazoo’s fields', () => {
    const body = shapePayload({
      event: event('call_hungup', { ...JAMBONZ_COMPLETED, call_status: 'busy', sip_status: 486 }),
      webhook: subscriber({ hook: 'channel_destroy', eventTypes: [] }),
    });
    expect(body).toMatchObject({
      hook_event: 'channel_destroy',
      account_id: 'sb-acc',
      call_id: JAMBONZ_COMPLETED.call_sid,
      caller_id_number: '+15551234567',
      call_direction: 'inbound',
      hangup_cause: 'USER_BUSY',
      hangup_code: 'sip:486',
    });
  });

  it.each([
    ['channel_create', {}, 'trying', 100, 'Trying'],
    ['call_ringing', {}, 'ringing', 180, 'Ringing'],
    ['channel_answer', {}, 'in-progress', 200, 'OK'],
    ['channel_destroy', { hangup_cause: 'USER_BUSY' }, 'busy', 486, 'Busy Here'],
    ['channel_destroy', { hangup_cause: 'ORIGINATOR_CANCEL' }, 'no-answer', 487, undefined],
    ['channel_destroy', { hangup_cause: 'CALL_REJECTED' }, 'failed', 503, undefined],
    ['channel_destroy', { billing_seconds: 30 }, 'completed', 200, 'OK'],
  ] as const)(
    'a Kazoo %s %j reaches jambonz with the SIP status its state implies',
    (type, fields, status, sipStatus, reason) => {
      const kazoo = {
        account_id: 'a1b2c3',
        call_id: 'new-call@10.0.0.1',
        call_direction: 'inbound',
        caller_id_number: '+15551234567',
        callee_id_number: '+15557654321',
        ...fields,
      };
      const body = shapePayload({
        event: event(type, kazoo),
        webhook: subscriber({ dialect: 'jambonz', hook: 'all', eventTypes: [] }),
      });
      expect(body).toMatchObject({ call_sid: kazoo.call_id, call_status: status });
      expect(body.sip_status).toBe(sipStatus);
      expect(body.sip_reason).toBe(reason ?? body.sip_reason);
    },
  );

  it('a hung-up call keeps the final SIP status its source gave', () => {
    const body = shapePayload({
      event: event('channel_destroy', {
        ...KAZOO_DESTROY,
        billing_seconds: 0,
        hangup_code: 'sip:480',
      }),
      webhook: subscriber({ dialect: 'jambonz', hook: 'all', eventTypes: [] }),
    });
    expect(body).toMatchObject({ call_status: 'no-answer', sip_status: 480 });
  });

  it('a Jaxl subscriber without custom_data.pk is sent pk 1; custom_data.pk overrides it', () => {
    const shaped = (customData: Record<string, unknown> | null) =>
      shapePayload({
        event: event('call_created', { ...VOIPBIN_HUNGUP, status: 'dialing' }),
        webhook: subscriber({ dialect: 'jaxl', eventTypes: ['call_created'], customData }),
      });
    expect(shaped(null)).toMatchObject({ pk: 1, event: 1 });
    expect(shaped({ crm: 'acme' })).toMatchObject({ pk: 1, state: { metadata: { crm: 'acme' } } });
    expect(shaped({ pk: '12' })).toMatchObject({ pk: 12 });
  });

  it('a VoIPBIN call_hungup reaches a Jaxl subscriber as a teardown (3)', () => {
    const body = shapePayload({
      event: event('call_hungup', VOIPBIN_HUNGUP),
      webhook: subscriber({ dialect: 'jaxl', customData: { pk: 17, crm: 'acme' } }),
    });
    expect(body).toEqual({
      pk: 17,
      event: 3,
      state: {
        // A UUID is no integer: the first 13 hex digits of its SHA-256, the id kept in metadata.
        call_id: Number.parseInt(
          createHash('sha256').update(VOIPBIN_HUNGUP.id).digest('hex').slice(0, 13),
          16,
        ),
        from_number: '+15551234567',
        to_number: '+15557654321',
        direction: 2,
        org: null,
        metadata: {
          flow_id: VOIPBIN_HUNGUP.flow_id,
          type: 'flow',
          crm: 'acme',
          call_id: VOIPBIN_HUNGUP.id,
        },
        greeting_message: null,
      },
      option: null,
      data: null,
    });
  });

  it('a Standard Webhooks subscriber gets {type, timestamp, data} in Switchboard’s call schema', () => {
    const body = shapePayload({
      event: event('channel_destroy', KAZOO_DESTROY),
      webhook: subscriber({ dialect: 'standard' }),
    });
    expect(body).toMatchObject({
      type: 'call_hungup',
      timestamp: '2026-11-23T10:02:06.000Z',
      data: { call_id: KAZOO_DESTROY.call_id, status: 'completed', end_reason: 'normal' },
    });
  });

  it('a payload in the subscriber’s own shape is sent as published', () => {
    const body = shapePayload({
      event: event('call_hungup', VOIPBIN_HUNGUP),
      webhook: subscriber({}),
    });
    expect(body).toEqual({ type: 'call_hungup', data: VOIPBIN_HUNGUP });
  });
});

describe('dialect rules', () => {
  it('defaults to kazoo for hook webhooks and voipbin for event_types webhooks', () => {
    expect(dialectOf({ hook: 'channel_create' })).toBe('kazoo');
    expect(dialectOf({ hook: null })).toBe('voipbin');
    expect(dialectOf({ hook: 'all', dialect: 'standard' })).toBe('standard');
  });

  it('jambonz and Jaxl carry call events only; Jaxl only setup and teardown', () => {
    expect(dialectCarries('jambonz', 'call_ringing')).toBe(true);
    expect(dialectCarries('jambonz', 'message_created')).toBe(false);
    expect(typesCarriedBy('jaxl').sort()).toEqual(
      [
        'call_answered',
        'call_created',
        'call_hungup',
        'channel_answer',
        'channel_create',
        'channel_destroy',
      ].sort(),
    );
  });

  it.each<[string, Record<string, unknown>, Record<string, string> | undefined]>([
    ['jambonz POST json', { dialect: 'jambonz', hook: 'all' }, undefined],
    ['jambonz GET', { dialect: 'jambonz', hook: 'all', http_verb: 'get' }, undefined],
    ['jambonz PUT', { dialect: 'jambonz', hook: 'all', http_verb: 'put' }, { http_verb: 'enum' }],
    [
      'jambonz form-data',
      { dialect: 'jambonz', hook: 'all', format: 'form-data' },
      { format: 'enum' },
    ],
    [
      'jaxl GET',
      { dialect: 'jaxl', hook: 'all', http_verb: 'get', custom_data: { pk: 1 } },
      { http_verb: 'enum' },
    ],
    ['jaxl with pk 1', { dialect: 'jaxl', hook: 'all', custom_data: { pk: 1 } }, undefined],
    ['jaxl with pk "12"', { dialect: 'jaxl', hook: 'all', custom_data: { pk: '12' } }, undefined],
    ['jaxl without custom_data (pk 1 is sent)', { dialect: 'jaxl', hook: 'all' }, undefined],
    [
      'jaxl without pk (pk 1 is sent)',
      { dialect: 'jaxl', hook: 'all', custom_data: { crm: 'acme' } },
      undefined,
    ],
    [
      'jaxl with pk 1.5',
      { dialect: 'jaxl', hook: 'all', custom_data: { pk: 1.5 } },
      { 'custom_data.pk': 'type' },
    ],
    [
      'jaxl with pk "flow-7"',
      { dialect: 'jaxl', hook: 'all', custom_data: { pk: 'flow-7' } },
      { 'custom_data.pk': 'type' },
    ],
    [
      'jaxl with pk null (pk 1 is sent)',
      { dialect: 'jaxl', hook: 'all', custom_data: { pk: null } },
      undefined,
    ],
    [
      'standard form-data',
      { dialect: 'standard', hook: 'all', format: 'form-data' },
      { format: 'enum' },
    ],
    [
      'jaxl message_created',
      { dialect: 'jaxl', event_types: ['call_hungup', 'message_created'], custom_data: { pk: 1 } },
      { event_types: 'not_allowed' },
    ],
    ['jambonz object hook', { dialect: 'jambonz', hook: 'object' }, { hook: 'not_allowed' }],
    ['no dialect: anything as today', { hook: 'object', http_verb: 'get' }, undefined],
  ])('%s', (_name, doc, expected) => {
    const details = checkDialect(doc);
    if (!expected) return expect(details).toBeUndefined();
    expect(Object.keys(details ?? {})).toEqual(Object.keys(expected));
    for (const [field, code] of Object.entries(expected))
      expect(details?.[field]).toHaveProperty(code);
  });
});

describe('a hung-up call is completed only when something shows it was answered', () => {
  const kazooHangup = (fields: Record<string, unknown>) =>
    shapePayload({
      event: {
        id: 'evt',
        type: 'channel_destroy',
        accountId: 'sb-acc',
        payload: {
          call_id: 'leg-1',
          call_direction: 'inbound',
          caller_id_number: '+15551234567',
          timestamp: GREGORIAN_2026_11_23_10_02_05,
          ...fields,
        },
        created: new Date('2026-11-23T10:02:06Z'),
      },
      webhook: { hook: null, eventTypes: ['call_hungup'], customData: null, dialect: 'jambonz' },
    }).call_status;

  it.each<[string, Record<string, unknown>, string]>([
    ['billed seconds', { hangup_cause: 'NORMAL_CLEARING', billing_seconds: 30 }, 'completed'],
    [
      'a 200 final status',
      { hangup_cause: 'NORMAL_CLEARING', hangup_code: 'sip:200' },
      'completed',
    ],
    [
      'NORMAL_CLEARING, 0 billed, sip:487',
      { hangup_cause: 'NORMAL_CLEARING', billing_seconds: 0, hangup_code: 'sip:487' },
      'no-answer',
    ],
    ['NORMAL_CLEARING, no SIP status', { hangup_cause: 'NORMAL_CLEARING' }, 'no-answer'],
    [
      'NORMAL_CLEARING, sip:480',
      { hangup_cause: 'NORMAL_CLEARING', hangup_code: 'sip:480' },
      'no-answer',
    ],
    [
      'NORMAL_CLEARING, sip:408',
      { hangup_cause: 'NORMAL_CLEARING', hangup_code: 'sip:408' },
      'no-answer',
    ],
    [
      'NORMAL_CLEARING, sip:486',
      { hangup_cause: 'NORMAL_CLEARING', hangup_code: 'sip:486' },
      'busy',
    ],
    [
      'NORMAL_CLEARING, sip:600',
      { hangup_cause: 'NORMAL_CLEARING', hangup_code: 'sip:600' },
      'busy',
    ],
    [
      'NORMAL_CLEARING, sip:404',
      { hangup_cause: 'NORMAL_CLEARING', hangup_code: 'sip:404' },
      'failed',
    ],
    [
      'NORMAL_CLEARING, sip:503',
      { hangup_cause: 'NORMAL_CLEARING', hangup_code: 'sip:503' },
      'failed',
    ],
    ['ALLOTTED_TIMEOUT, unanswered', { hangup_cause: 'ALLOTTED_TIMEOUT' }, 'no-answer'],
    ['USER_BUSY', { hangup_cause: 'USER_BUSY', hangup_code: 'sip:486' }, 'busy'],
    [
      'ORIGINATOR_CANCEL',
      { hangup_cause: 'ORIGINATOR_CANCEL', hangup_code: 'sip:487' },
      'no-answer',
    ],
    ['CALL_REJECTED', { hangup_cause: 'CALL_REJECTED', hangup_code: 'sip:603' }, 'failed'],
  ])('Kazoo %s', (_name, fields, status) => {
    expect(kazooHangup(fields)).toBe(status);
  });
});

describe('hostile numbers never make a mapper throw', () => {
  const DIALECTS = ['kazoo', 'voipbin', 'standard', 'jambonz', 'jaxl'] as const;
  const shapeAll = (type: string, payload: Record<string, unknown>) =>
    DIALECTS.map((dialect) =>
      shapePayload({
        event: {
          id: 'evt',
          type,
          accountId: 'sb-acc',
          payload,
          created: new Date('2026-11-23T10:02:06Z'),
        },
        webhook: { hook: null, eventTypes: [type], customData: { pk: 1 }, dialect },
      }),
    );

  it.each<[string, Record<string, unknown>, Partial<Record<keyof CanonicalCall, undefined>>]>([
    [
      'timestamp 1e20',
      { ...KAZOO_DESTROY, timestamp: 1e20 },
      { endedAt: undefined, createdAt: undefined },
    ],
    ['timestamp -1e20', { ...KAZOO_DESTROY, timestamp: -1e20 }, { endedAt: undefined }],
    [
      'duration_seconds 1e15',
      { ...KAZOO_DESTROY, duration_seconds: 1e15 },
      { createdAt: undefined },
    ],
    [
      'duration_seconds -1e15',
      { ...KAZOO_DESTROY, duration_seconds: -1e15 },
      { createdAt: undefined },
    ],
    [
      'billing_seconds 1e300',
      { ...KAZOO_DESTROY, billing_seconds: 1e300 },
      { answeredAt: undefined },
    ],
    [
      'timestamp past year 9999',
      { ...KAZOO_DESTROY, timestamp: 400_000_000_000 },
      { endedAt: undefined },
    ],
  ])('Kazoo %s: the time is absent, every dialect still shapes it', (_name, payload, absent) => {
    const { call } = readKazooCall(payload, true);
    for (const key of Object.keys(absent)) expect(call).not.toHaveProperty(key);
    expect(() => shapeAll('channel_destroy', payload)).not.toThrow();
  });

  it.each<[string, Record<string, unknown>]>([
    ['a year-275760 RFC 3339 time', { ...VOIPBIN_HUNGUP, tm_create: '+275760-09-13T00:00:00Z' }],
    ['an out-of-range month', { ...VOIPBIN_HUNGUP, tm_hangup: '2026-13-45T99:99:99Z' }],
  ])('VoIPBIN %s is read as absent', (_name, payload) => {
    expect(() => readVoipbinCall(payload)).not.toThrow();
    expect(() => shapeAll('call_hungup', payload)).not.toThrow();
  });
});

describe('payload values that name Object.prototype members find nothing in the tables', () => {
  const DIALECTS = ['kazoo', 'voipbin', 'standard', 'jambonz', 'jaxl'] as const;
  /** Every value in a shaped body, however deep: no functions may appear. */
  const leaves = (value: unknown): unknown[] =>
    value !== null && typeof value === 'object' ? Object.values(value).flatMap(leaves) : [value];

  it.each<[string, string, Record<string, unknown>, Partial<CanonicalCall>]>([
    [
      'Kazoo hangup_cause constructor',
      'channel_destroy',
      { ...KAZOO_DESTROY, hangup_cause: 'constructor' },
      { endReason: 'failed' },
    ],
    [
      'Kazoo hangup_cause __proto__',
      'channel_destroy',
      { ...KAZOO_DESTROY, hangup_cause: '__proto__' },
      { endReason: 'failed' },
    ],
    [
      'Kazoo hangup_cause toString',
      'channel_destroy',
      { ...KAZOO_DESTROY, hangup_cause: 'toString' },
      { endReason: 'failed' },
    ],
    ['VoIPBIN status constructor', 'call_hungup', { ...VOIPBIN_HUNGUP, status: 'constructor' }, {}],
    [
      'VoIPBIN status hasOwnProperty',
      'call_updated',
      { ...VOIPBIN_HUNGUP, status: 'hasOwnProperty' },
      { status: undefined },
    ],
    [
      'VoIPBIN hangup_reason valueOf',
      'call_hungup',
      { ...VOIPBIN_HUNGUP, hangup_reason: 'valueOf' },
      { endReason: undefined },
    ],
    [
      'jambonz call_status constructor',
      'call_hungup',
      { ...JAMBONZ_COMPLETED, call_status: 'constructor' },
      { endReason: undefined },
    ],
  ])('%s', (_name, type, payload, expected) => {
    const read =
      type === 'channel_destroy'
        ? readKazooCall(payload, true).call
        : 'call_sid' in payload
          ? readJambonzCall(payload).call
          : readVoipbinCall(payload).call;
    for (const [key, value] of Object.entries(expected)) {
      expect(read[key as keyof CanonicalCall]).toBe(value);
    }
    for (const value of Object.values(read)) expect(typeof value).not.toBe('function');
    for (const dialect of DIALECTS) {
      const body = shapePayload({
        event: {
          id: 'evt',
          type,
          accountId: 'sb-acc',
          payload,
          created: new Date('2026-11-23T10:02:06Z'),
        },
        webhook: { hook: null, eventTypes: [type], customData: { pk: 1 }, dialect },
      });
      for (const leaf of leaves(body)) expect(typeof leaf).not.toBe('function');
      expect(JSON.parse(JSON.stringify(body))).toEqual(body);
    }
  });

  it('a custom_data key __proto__ stays data, never the body’s prototype', () => {
    const customData = JSON.parse('{"__proto__": {"polluted": true}, "crm": "acme"}');
    const body = shapePayload({
      event: {
        id: 'evt',
        type: 'call_hungup',
        accountId: 'sb-acc',
        payload: VOIPBIN_HUNGUP,
        created: new Date(),
      },
      webhook: { hook: 'channel_destroy', eventTypes: [], customData },
    });
    expect(Object.getPrototypeOf(body)).toBe(Object.prototype);
    expect((body as { polluted?: unknown }).polluted).toBeUndefined();
    expect(Object.hasOwn(body, '__proto__')).toBe(true);
  });

  it.each<[string, unknown, string]>([
    ['a function', () => 1, 'a=1'],
    ['a symbol', Symbol('s'), 'a=1'],
    ['a bigint', 10n, 'a=1'],
    ['a nested function', { f: () => 1, ok: 'y' }, 'a=1&b[ok]=y'],
  ])('the form encoder leaves out %s', (_name, value, expected) => {
    expect(toQueryString({ a: 1, b: value })).toBe(expected);
  });
});

describe('every VoIPBIN call status maps to jambonz’s, or is left out', () => {
  const ANSWERED = { tm_progressing: '2026-11-23T10:00:03Z' };
  it.each<[string, Record<string, unknown>, string | undefined]>([
    ['dialing', {}, 'trying'],
    ['ringing', {}, 'ringing'],
    ['progressing', ANSWERED, 'in-progress'],
    ['terminating', ANSWERED, 'in-progress'],
    ['terminating', {}, undefined],
    ['canceling', {}, 'no-answer'],
    ['hangup', { ...ANSWERED, hangup_reason: 'normal' }, 'completed'],
    ['hangup', { hangup_reason: 'busy' }, 'busy'],
    ['hangup', { hangup_reason: 'noanswer' }, 'no-answer'],
    ['hangup', { hangup_reason: 'normal' }, 'no-answer'],
    ['hangup', { hangup_reason: 'failed' }, 'failed'],
    ['something-new', {}, undefined],
  ])('%s %j → %s', (status, fields, expected) => {
    const payload = {
      ...VOIPBIN_HUNGUP,
      tm_progressing: undefined,
      hangup_reason: undefined,
      ...fields,
      status,
    };
    expect(readVoipbinCall(payload).call.status).toBe(expected);
    // A call_updated keeps the payload's status: what a jambonz subscriber gets.
    const body = shapePayload({
      event: { id: 'e', type: 'call_updated', accountId: 'a', payload, created: new Date() },
      webhook: { hook: null, eventTypes: ['call_updated'], customData: null, dialect: 'jambonz' },
    });
    expect(body.call_status).toBe(expected);
  });
});

describe('Jaxl requests carry the integers jaxl-python’s request model requires', () => {
  const sha13 = (id: string) =>
    Number.parseInt(createHash('sha256').update(id).digest('hex').slice(0, 13), 16);

  it.each<[string, string, number, boolean]>([
    ['a decimal id', '12345', 12345, false],
    ['zero', '0', 0, false],
    ['MAX_SAFE_INTEGER', '9007199254740991', 9_007_199_254_740_991, false],
    ['one past MAX_SAFE_INTEGER', '9007199254740992', sha13('9007199254740992'), true],
    ['a leading zero', '007', sha13('007'), true],
    ['a negative number', '-5', sha13('-5'), true],
    [
      'a UUID',
      'b4a1c3f2-1111-4e2a-9c3d-5e6f7a8b9c0d',
      sha13('b4a1c3f2-1111-4e2a-9c3d-5e6f7a8b9c0d'),
      true,
    ],
    ['a SIP Call-ID', 'abc123@10.0.0.1', sha13('abc123@10.0.0.1'), true],
  ])('state.call_id for %s', (_name, id, expected, hashed) => {
    expect(jaxlCallId(id)).toEqual({ callId: expected, hashed });
    expect(Number.isSafeInteger(expected)).toBe(true);
    const body = writeJaxlRequest(
      { callId: id, from: '+1555', to: '+1666', direction: 'inbound' },
      'created',
      {
        pk: '7',
        metadata: { crm: 'acme' },
      },
    );
    expect(body.pk).toBe(7);
    expect(body.state).toMatchObject({
      call_id: expected,
      direction: 1,
      from_number: '+1555',
      to_number: '+1666',
      metadata: hashed ? { crm: 'acme', call_id: id } : { crm: 'acme' },
    });
  });

  it.each<[string, unknown, number | null]>([
    ['an integer', 42, 42],
    ['an integer string', '42', 42],
    ['a fraction', 4.2, null],
    ['a word', 'flow', null],
    ['absent (a sample)', undefined, null],
  ])('pk from custom_data: %s', (_name, pk, expected) => {
    expect(writeJaxlRequest({}, 'hungup', { pk, metadata: {} }).pk).toBe(expected);
  });
});
