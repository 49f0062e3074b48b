import { describe, expect, it } from 'vitest';
import {
  encodeRequest,
  shapePayload,
  toQueryString,
  type ShapeInput,
} from '../../src/domain/payload.ts';
import { gregorianSeconds } from '../../src/domain/kazoo-time.ts';

const CREATED = new Date('2026-11-23T10:00:00.000Z');
const CREATED_GREGORIAN = 1_795_428_000 + 62_167_219_200;

function input(
  type: string,
  payload: Record<string, unknown>,
  webhook: Partial<ShapeInput['webhook']>,
): ShapeInput {
  return {
    event: { id: 'evt_1', type, accountId: 'acc1', payload, created: CREATED },
    webhook: { hook: null, eventTypes: [], customData: null, ...webhook },
  };
}

describe('gregorian timestamps (Kazoo clock)', () => {
  it('is unix seconds + 62167219200', () => {
    expect(gregorianSeconds(new Date(0))).toBe(62_167_219_200);
    expect(gregorianSeconds(CREATED)).toBe(CREATED_GREGORIAN);
  });
});

describe('Kazoo hook subscribers get the flat payload', () => {
  it('a call_created event reaches a channel_create subscriber with hook_event channel_create', () => {
    const shaped = shapePayload(
      input(
        'call_created',
        { call_id: 'c1', caller_id_number: '+15551234567' },
        {
          hook: 'channel_create',
        },
      ),
    );
    expect(shaped).toEqual({
      call_id: 'c1',
      caller_id_number: '+15551234567',
      hook_event: 'channel_create',
      account_id: 'acc1',
      timestamp: CREATED_GREGORIAN,
    });
  });

  it.each<[string, string]>([
    ['call_created', 'channel_create'],
    ['channel_destroy', 'channel_destroy'],
    ['doc_edited', 'object'],
    ['message_created', 'message_created'],
  ])('an "all" subscriber sees a %s event as hook_event %s', (type, hookEvent) => {
    expect(shapePayload(input(type, {}, { hook: 'all' })).hook_event).toBe(hookEvent);
  });

  it("keeps the payload's own timestamp; account_id is always the event's account", () => {
    const shaped = shapePayload(
      input(
        'channel_answer',
        { timestamp: 63_000_000_000, account_id: 'spoofed' },
        {
          hook: 'channel_answer',
        },
      ),
    );
    expect(shaped).toEqual({
      timestamp: 63_000_000_000,
      account_id: 'acc1',
      hook_event: 'channel_answer',
    });
  });

  it('custom_data is merged over the payload and wins', () => {
    const shaped = shapePayload(
      input(
        'channel_create',
        { call_id: 'c1', caller_id_name: 'Alice' },
        {
          hook: 'channel_create',
          customData: { caller_id_name: 'VIP', crm_id: '42' },
        },
      ),
    );
    expect(shaped).toEqual({
      call_id: 'c1',
      caller_id_name: 'VIP',
      crm_id: '42',
      hook_event: 'channel_create',
      account_id: 'acc1',
      timestamp: CREATED_GREGORIAN,
    });
  });

  it('an object event carries action; the object hook drops custom_data type/action', () => {
    const shaped = shapePayload(
      input(
        'doc_edited',
        { id: 'd1', type: 'device' },
        {
          hook: 'object',
          customData: { type: 'device', action: 'doc_edited', crm: 'acme' },
        },
      ),
    );
    expect(shaped).toEqual({
      id: 'd1',
      type: 'device',
      action: 'doc_edited',
      hook_event: 'object',
      account_id: 'acc1',
      timestamp: CREATED_GREGORIAN,
      crm: 'acme',
    });
  });

  it('other hooks keep custom_data type/action as plain data', () => {
    const shaped = shapePayload(
      input('channel_create', {}, { hook: 'channel_create', customData: { type: 'sales' } }),
    );
    expect(shaped.type).toBe('sales');
  });
});

describe('custom_data never replaces the fields that identify the event', () => {
  it('hook_event, account_id, ids, event_name stay the event’s; other fields take custom_data', () => {
    const shaped = shapePayload(
      input(
        'channel_create',
        { call_id: 'c1', caller_id_name: 'Alice' },
        {
          hook: 'channel_create',
          customData: {
            hook_event: 'forged',
            account_id: 'other',
            call_id: 'forged',
            caller_id_name: 'VIP',
            tenant_id: 't1',
          },
        },
      ),
    );
    expect(shaped).toMatchObject({
      hook_event: 'channel_create',
      account_id: 'acc1',
      call_id: 'c1',
      caller_id_name: 'VIP',
      tenant_id: 't1',
    });
  });

  it('the notifications hook’s custom_data.type is a filter, not payload', () => {
    const shaped = shapePayload(
      input(
        'notifications',
        { event_name: 'voicemail_new' },
        { hook: 'notifications', customData: { type: 'voicemail_new', crm: 'acme' } },
      ),
    );
    expect(shaped).toMatchObject({ event_name: 'voicemail_new', crm: 'acme' });
    expect(shaped).not.toHaveProperty('type');
  });

  it('a VoIPBIN subscriber’s data keeps its id', () => {
    const shaped = shapePayload(
      input(
        'call_created',
        { id: 'call-1', status: 'ringing' },
        { eventTypes: ['call_created'], customData: { id: 'forged', status: 'x' } },
      ),
    );
    expect(shaped.data).toMatchObject({ id: 'call-1', status: 'x' });
  });
});

describe('event_types subscribers get the VoIPBIN envelope', () => {
  it("a call_hungup subscriber gets VoIPBIN's call resource when channel_destroy is published", () => {
    const shaped = shapePayload(
      input(
        'channel_destroy',
        { call_id: 'c1', hangup_cause: 'NORMAL_CLEARING' },
        {
          eventTypes: ['call_hungup'],
        },
      ),
    );
    expect(shaped).toEqual({
      type: 'call_hungup',
      data: {
        id: 'c1',
        customer_id: 'acc1',
        status: 'hangup',
        hangup_reason: 'normal',
        // No time in the payload: the event's is the hang-up's.
        tm_update: '2026-11-23T10:00:00.000Z',
        tm_hangup: '2026-11-23T10:00:00.000Z',
      },
    });
  });

  it('keeps the published name when the subscriber listed it (even if it listed the twin too)', () => {
    const shaped = shapePayload(
      input('call_hungup', { id: 'x' }, { eventTypes: ['channel_destroy', 'call_hungup'] }),
    );
    expect(shaped).toEqual({ type: 'call_hungup', data: { id: 'x' } });
  });

  it('merges custom_data into data, custom_data winning', () => {
    const shaped = shapePayload(
      input(
        'message_created',
        { id: 'm1', text: 'hi' },
        {
          eventTypes: ['message_created'],
          customData: { text: 'override', tenant: 't1' },
        },
      ),
    );
    expect(shaped).toEqual({
      type: 'message_created',
      data: { id: 'm1', text: 'override', tenant: 't1' },
    });
  });
});

describe('toQueryString (Kazoo / PHP style)', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['flat scalars', { a: 'x', n: 5 }, 'a=x&n=5'],
    ['booleans', { yes: true, no: false }, 'yes=true&no=false'],
    ['null as an empty value', { a: null }, 'a='],
    ['undefined left out', { a: undefined, b: '1' }, 'b=1'],
    ['a nested object', { ccv: { owner_id: 'u1' } }, 'ccv[owner_id]=u1'],
    ['a deeper object', { a: { b: { c: 1 } } }, 'a[b][c]=1'],
    ['an array of scalars', { ids: ['a', 'b'] }, 'ids[]=a&ids[]=b'],
    ['an array inside an object', { a: { ids: [1, 2] } }, 'a[ids][]=1&a[ids][]=2'],
    [
      'an array of objects, indexed to keep fields together',
      { t: [{ n: '1', s: 'ok' }, { n: '2' }] },
      't[0][n]=1&t[0][s]=ok&t[1][n]=2',
    ],
    ['an array of arrays', { m: [[1, 2], [3]] }, 'm[0][]=1&m[0][]=2&m[1][]=3'],
    ['empty containers left out', { o: {}, l: [], k: 'v' }, 'k=v'],
    [
      'reserved characters encoded',
      { 'caller id': '+1 555&co=1', to: 'a@b.c/d?e#f' },
      'caller%20id=%2B1%20555%26co%3D1&to=a%40b.c%2Fd%3Fe%23f',
    ],
    ['encoded nested names', { 'a b': { 'c[d]': 'é' } }, 'a%20b[c%5Bd%5D]=%C3%A9'],
    ['nothing at all', {}, ''],
  ])('%s', (_name, obj, expected) => {
    expect(toQueryString(obj)).toBe(expected);
  });
});

describe('encodeRequest', () => {
  const shaped = { hook_event: 'channel_create', call_id: 'c 1', ccv: { a: 1 } };

  it('json POST: a JSON body, application/json, signed over the body', () => {
    const request = encodeRequest(shaped, {
      uri: 'https://example.com/hook',
      httpVerb: 'post',
      format: 'json',
    });
    const body = '{"hook_event":"channel_create","call_id":"c 1","ccv":{"a":1}}';
    expect(request).toEqual({
      method: 'POST',
      url: 'https://example.com/hook',
      body,
      contentType: 'application/json',
      signedContent: body,
    });
  });

  it('form-data PUT: a url-encoded body with bracket names', () => {
    const request = encodeRequest(shaped, {
      uri: 'https://example.com/hook',
      httpVerb: 'put',
      format: 'form-data',
    });
    const body = 'hook_event=channel_create&call_id=c%201&ccv[a]=1';
    expect(request).toEqual({
      method: 'PUT',
      url: 'https://example.com/hook',
      body,
      contentType: 'application/x-www-form-urlencoded',
      signedContent: body,
    });
  });

  it.each<[string, string]>([
    [
      'https://example.com/hook',
      'https://example.com/hook?hook_event=channel_create&call_id=c%201&ccv[a]=1',
    ],
    [
      'https://example.com/hook?token=abc',
      'https://example.com/hook?token=abc&hook_event=channel_create&call_id=c%201&ccv[a]=1',
    ],
    [
      'https://example.com/hook?',
      'https://example.com/hook?hook_event=channel_create&call_id=c%201&ccv[a]=1',
    ],
    [
      'https://example.com/hook#frag',
      'https://example.com/hook?hook_event=channel_create&call_id=c%201&ccv[a]=1#frag',
    ],
    [
      'https://user:pa%40ss@example.com/hook',
      'https://user:pa%40ss@example.com/hook?hook_event=channel_create&call_id=c%201&ccv[a]=1',
    ],
  ])('GET %s: the payload goes in the query string, no body', (uri, url) => {
    const request = encodeRequest(shaped, { uri, httpVerb: 'get', format: 'json' });
    expect(request).toEqual({
      method: 'GET',
      url,
      body: '',
      contentType: undefined,
      // The whole query as sent, the uri's own part included.
      signedContent: url.slice(url.indexOf('?') + 1).replace(/#.*$/, ''),
    });
  });

  it('GET with an empty payload leaves the uri as it is', () => {
    const request = encodeRequest(
      {},
      { uri: 'https://example.com/h', httpVerb: 'get', format: 'form-data' },
    );
    expect(request.url).toBe('https://example.com/h');
    expect(request.signedContent).toBe('');
  });
});
