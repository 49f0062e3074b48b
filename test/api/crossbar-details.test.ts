import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createTenant, startTestApp, type TestApp } from '../support/app.ts';
import { expectError, expectSuccess, expectValidation } from '../support/envelope.ts';

describe("Crossbar's details: JSON labels, bodies without a JSON label, _= cache-busters", () => {
  let t: TestApp;
  let A: string;
  let key: string;

  beforeAll(async () => {
    t = await startTestApp();
    const tenant = await createTenant(t.db, 'details');
    A = tenant.account.id;
    key = tenant.key;
  });
  afterAll(async () => t.close());

  const send = (method: 'PUT' | 'PATCH', url: string, payload: string, contentType?: string) =>
    t.app.inject({
      method,
      url,
      headers: { 'x-auth-token': key, ...(contentType ? { 'content-type': contentType } : {}) },
      payload,
    });

  it.each([
    ['a success', () => api(t.app, key).get(`/v2/accounts/${A}`)],
    ['a list', () => api(t.app, key).get(`/v2/accounts/${A}/webhooks`)],
    ['a validation error', () => api(t.app, key).put(`/v2/accounts/${A}`, {})],
    ['a 401', () => api(t.app, 'nope').get(`/v2/accounts/${A}`)],
    ['a 404', () => api(t.app, key).get('/v2/nowhere')],
    ['the catalogue', () => api(t.app).get('/v2/webhooks')],
  ])('%s is labelled exactly application/json', async (_label, call) => {
    const res = await call();
    expect(res.headers['content-type']).toBe('application/json');
    expect(() => res.json()).not.toThrow();
  });

  it.each([
    ['no Content-Type', undefined],
    ["curl's default form type", 'application/x-www-form-urlencoded'],
    ['text/plain', 'text/plain'],
  ])('a JSON body with %s is read as JSON', async (_label, contentType) => {
    const created = expectSuccess(
      await send('PUT', `/v2/accounts/${A}`, '{"data":{"name":"unlabelled"}}', contentType),
      201,
    );
    expect(created.name).toBe('unlabelled');
  });

  it('a body under a form label that is not JSON: 415; bad JSON under it: 400', async () => {
    expectError(
      await send('PUT', `/v2/accounts/${A}`, 'data[name]=x', 'application/x-www-form-urlencoded'),
      415,
    );
    expectError(
      await send('PUT', `/v2/accounts/${A}`, '{"data":', 'application/x-www-form-urlencoded'),
      400,
    );
  });

  it('a validation error under a form label is still Kazoo’s validation error', async () => {
    expectValidation(
      await send('PATCH', `/v2/accounts/${A}/webhooks`, '{"data":{"re-enable":"yes"}}'),
      { 're-enable': 'enum' },
    );
  });

  it.each([
    `/v2/accounts/${'A'}`,
    `/v2/accounts/${'A'}/webhooks`,
    `/v2/accounts/${'A'}/webhooks/attempts`,
    `/v2/accounts/${'A'}/children`,
    '/v2/webhooks',
  ])('GET %s?_=<ms> ignores the cache-buster', async (path) => {
    const url = `${path.replace('/A', `/${A}`)}?_=1700000000000`;
    expectSuccess(await api(t.app, key).get(url));
  });

  it('a cache-buster next to real parameters leaves them working', async () => {
    const res = await api(t.app, key).get(`/v2/accounts/${A}/webhooks?page_size=1&_=17`);
    expect(expectSuccess(res)).toEqual([]);
    expect(res.json().page_size).toBe(0);
  });
});
