import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createTenant, startTestApp, type TestApp } from '../support/app.ts';
import { expectSuccess, expectValidation } from '../support/envelope.ts';

/** A webhook's dialect (docs/dialects.md): stored when named, refused with a clear 400 when its receivers cannot take the combination. */
describe('webhook dialects through the API', () => {
  let t: TestApp;
  let as: ReturnType<typeof api>;
  let url: string;

  beforeAll(async () => {
    t = await startTestApp();
    const { account, key } = await createTenant(t.db, 'dialect-api');
    as = api(t.app, key);
    url = `/v2/accounts/${account.id}/webhooks`;
  });
  afterAll(() => t.close());

  const base = { name: 'h', uri: 'http://127.0.0.1:9/x' };

  it('stores a named dialect and shows it; without one none is shown (the default applies)', async () => {
    const named = expectSuccess(
      await as.put(url, { ...base, hook: 'all', dialect: 'jambonz' }),
      201,
    );
    expect(named.dialect).toBe('jambonz');
    const listed = expectSuccess(await as.get(url)) as { id: string; dialect?: string }[];
    expect(listed.find((w) => w.id === named.id)?.dialect).toBe('jambonz');
    const plain = expectSuccess(await as.put(url, { ...base, event_types: ['call_hungup'] }), 201);
    expect(plain).not.toHaveProperty('dialect');
    const cleared = expectSuccess(await as.patch(`${url}/${named.id}`, { dialect: null }));
    expect(cleared).not.toHaveProperty('dialect');
  });

  it('takes the dialect spelled as format ("format": "jambonz") or as profile', async () => {
    const asFormat = expectSuccess(
      await as.put(url, { ...base, hook: 'channel_destroy', format: 'jambonz' }),
      201,
    );
    expect(asFormat).toMatchObject({ dialect: 'jambonz', format: 'json' });
    const asProfile = expectSuccess(
      await as.put(url, { ...base, event_types: ['call_hungup'], profile: 'standard' }),
      201,
    );
    expect(asProfile.dialect).toBe('standard');
    expect(asProfile).not.toHaveProperty('profile');
    // Contradicting an explicit dialect is refused, not guessed.
    expectValidation(
      await as.put(url, { ...base, hook: 'all', dialect: 'voipbin', format: 'jaxl' }),
      { format: 'enum' },
    );
  });

  it.each<[string, Record<string, unknown>, Record<string, string>]>([
    ['an unknown dialect', { hook: 'all', dialect: 'twilio' }, { dialect: 'enum' }],
    [
      'jambonz over PUT',
      { hook: 'all', dialect: 'jambonz', http_verb: 'put' },
      { http_verb: 'enum' },
    ],
    [
      'jaxl as GET',
      { hook: 'all', dialect: 'jaxl', http_verb: 'get', custom_data: { pk: 1 } },
      { http_verb: 'enum' },
    ],
    [
      'jaxl with a pk that is no integer',
      { hook: 'all', dialect: 'jaxl', custom_data: { pk: 'flow-7' } },
      { 'custom_data.pk': 'type' },
    ],
    [
      'standard as form-data',
      { hook: 'all', dialect: 'standard', format: 'form-data' },
      { format: 'enum' },
    ],
    [
      'jaxl with message events',
      { event_types: ['message_created'], dialect: 'jaxl', custom_data: { pk: 1 } },
      { event_types: 'not_allowed' },
    ],
    ['jambonz on the object hook', { hook: 'object', dialect: 'jambonz' }, { hook: 'not_allowed' }],
  ])('refuses %s with a 400 in the validation envelope', async (_name, data, fields) => {
    expectValidation(await as.put(url, { ...base, ...data }), fields);
  });

  it('a jaxl webhook without custom_data.pk is taken (pk 1 is sent); a pk given must be an integer', async () => {
    const made = expectSuccess(
      await as.put(url, { ...base, hook: 'channel_create', dialect: 'jaxl' }),
      201,
    );
    expect(made).toMatchObject({ dialect: 'jaxl' });
    expect(made.custom_data ?? {}).not.toHaveProperty('pk');
    expectSuccess(await as.patch(`${url}/${made.id}`, { custom_data: { crm: 'acme' } }));
    expectSuccess(await as.patch(`${url}/${made.id}`, { custom_data: null }));
    expectValidation(await as.patch(`${url}/${made.id}`, { custom_data: { pk: 'seven' } }), {
      'custom_data.pk': 'type',
    });
    expectSuccess(await as.patch(`${url}/${made.id}`, { custom_data: { pk: '2', crm: 'acme' } }));
    // Another dialect does without it.
    expectSuccess(await as.patch(`${url}/${made.id}`, { dialect: 'jambonz', custom_data: null }));
  });

  it('lists the dialects and which event types each carries', async () => {
    const dialects = expectSuccess(await api(t.app).get('/v2/webhooks/dialects'));
    expect(dialects.map((d: { id: string }) => d.id)).toEqual([
      'kazoo',
      'voipbin',
      'standard',
      'jambonz',
      'jaxl',
    ]);
    const types = expectSuccess(await api(t.app).get('/v2/webhooks/event_types'));
    const hungup = types.find((e: { id: string }) => e.id === 'call_hungup');
    expect(hungup.dialects).toEqual(['kazoo', 'voipbin', 'standard', 'jambonz', 'jaxl']);
    const message = types.find((e: { id: string }) => e.id === 'message_created');
    expect(message.dialects).toEqual(['kazoo', 'voipbin', 'standard']);
  });

  it('shows a sample as each dialect’s subscriber receives it, shaped like a delivery', async () => {
    const get = (path: string) => api(t.app).get(path);
    const kazoo = expectSuccess(await get('/v2/webhooks/samples/channel_destroy'));
    expect(kazoo).toMatchObject({ hook_event: 'channel_destroy' });
    const voipbin = expectSuccess(
      await get('/v2/webhooks/samples/channel_destroy?dialect=voipbin'),
    );
    expect(voipbin).toMatchObject({ type: 'call_hungup', data: { id: expect.any(String) } });
    expect(voipbin.data).toHaveProperty('hangup_reason');
    const jambonz = expectSuccess(await get('/v2/webhooks/samples/call_hungup?dialect=jambonz'));
    expect(jambonz).toMatchObject({ call_sid: expect.any(String), call_status: 'completed' });
    const standard = expectSuccess(await get('/v2/webhooks/samples/call_hungup?dialect=standard'));
    expect(standard).toMatchObject({ type: 'call_hungup', timestamp: expect.any(String) });
    expect(
      expectSuccess(await get('/v2/webhooks/samples/call_created?dialect=jaxl')),
    ).toMatchObject({ pk: 1, event: 1, state: { call_id: expect.any(Number) } });
    // A dialect that never carries the event says so; an unknown dialect is refused by the schema.
    expectValidation(await get('/v2/webhooks/samples/message_created?dialect=jaxl'), {
      dialect: 'not_allowed',
    });
    expectValidation(await get('/v2/webhooks/samples/call_hungup?dialect=twilio'), {
      dialect: 'enum',
    });
  });
});
