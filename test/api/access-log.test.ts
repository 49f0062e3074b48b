import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createTenant, startTestApp, type TestApp } from '../support/app.ts';

/** The access log: one line per request, carrying the request id the client was given. */
describe('request logging', () => {
  let t: TestApp;
  const lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean))
          lines.push(JSON.parse(line));
        done();
      },
    });
    t = await startTestApp(undefined, { level: 'info', stream });
  });
  afterAll(() => t.close());

  const linesOf = (requestId: string) => lines.filter((l) => l.reqId === requestId);

  it('writes exactly one line per request, with its id, method, url, status and time', async () => {
    const tenant = await createTenant(t.db);
    const res = await api(t.app, tenant.key).get(`/v2/accounts/${tenant.account.id}/webhooks`);
    expect(res.statusCode).toBe(200);
    const requestId = res.headers['x-request-id'] as string;
    expect(linesOf(requestId)).toEqual([
      expect.objectContaining({
        msg: 'request completed',
        level: 30,
        method: 'GET',
        url: `/v2/accounts/${tenant.account.id}/webhooks`,
        statusCode: 200,
        responseTime: expect.any(Number),
      }),
    ]);
  });

  it('a refused request is logged with its status and the id the client sent', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/v2/accounts/0123456789abcdef0123456789abcdef/webhooks',
      headers: { 'x-request-id': 'client-chosen-id-1' },
    });
    expect(res.statusCode).toBe(401);
    expect(linesOf('client-chosen-id-1')).toEqual([
      expect.objectContaining({ msg: 'request completed', statusCode: 401 }),
    ]);
  });
});
