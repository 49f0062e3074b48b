import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { renderOpenApi } from '../../src/openapi.ts';

/**
 * Every METHOD /path Fastify serves, from printRoutes' tree (HEAD, /docs, /admin/queues, the
 * document itself and the CORS preflight route that answers OPTIONS on every path aside).
 */
function registeredRoutes(tree: string): string[] {
  const stack: string[] = [];
  const routes: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^([│ ]*)[├└]── (\S+)(?: \(([^)]*)\))?$/.exec(line);
    if (!match) continue;
    const depth = match[1].length / 4;
    stack.length = depth;
    const path = (stack[depth - 1] ?? '') + match[2];
    stack[depth] = path.endsWith('/') && depth > 0 ? path.slice(0, -1) : path;
    // The queue board (bull-board, root only) is an operator's page, hidden from the document;
    // so are the console's files (docs/console.md).
    const page = ['/docs', '/admin/queues', '/console'].some((p) => path.startsWith(p));
    if (!match[3] || page) continue;
    if (path === '/openapi.json') continue;
    for (const method of match[3].split(', ').filter((m) => m !== 'HEAD' && m !== 'OPTIONS'))
      routes.push(`${method} ${path}`);
  }
  return routes;
}

interface ResponseSchema {
  $ref?: string;
  properties?: Record<string, { items?: { $ref?: string } }>;
}
interface Operation {
  responses?: Record<string, { content?: Record<string, { schema?: ResponseSchema }> }>;
}

/** An OpenAPI 3 document generated from the schemas that validate, served and committed. */
describe('the OpenAPI document', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('committed openapi/openapi.json is up to date (run `npm run openapi` after changing a route)', () => {
    const committed = readFileSync(new URL('../../openapi/openapi.json', import.meta.url), 'utf8');
    expect(committed).toBe(renderOpenApi(t.app));
  });

  it('is served at /openapi.json and lists every route of the API with its request schemas', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    const documented = new Set(
      Object.entries(doc.paths as Record<string, object>).flatMap(([path, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
      ),
    );
    const routes = registeredRoutes(t.app.printRoutes({ commonPrefix: false }));
    expect(routes.length).toBeGreaterThan(30);
    expect([...documented].sort()).toEqual(routes.sort());
    const create = doc.paths['/v2/accounts/{accountId}/webhooks'].put;
    const schema = create.requestBody.content['application/json'].schema;
    expect(schema.properties.data.required).toEqual(['name', 'uri']);
    expect(schema.properties.data.properties.retries).toMatchObject({ minimum: 0, maximum: 4 });
  });

  it('every /v2 operation documents its success and error answers (Crossbar envelopes)', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const operations = Object.entries(doc.paths as Record<string, Record<string, Operation>>)
      .filter(([path]) => path.startsWith('/v2'))
      .flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method, op })));
    expect(operations.length).toBeGreaterThan(30);
    for (const { path, method, op } of operations) {
      const schema = (code: string) => op.responses?.[code]?.content?.['application/json']?.schema;
      const success = schema('2XX');
      // The shared success envelope, or a route's own envelope with its data.
      if (success?.$ref === undefined) {
        expect(success?.properties, `${method} ${path}`).toHaveProperty('data');
      } else {
        expect(success.$ref).toBe('#/components/schemas/SuccessEnvelope');
      }
      expect(schema('4XX')?.$ref, `${method} ${path}`).toBe('#/components/schemas/ErrorEnvelope');
    }
    const attempts = doc.paths['/v2/accounts/{accountId}/webhooks/attempts'].get;
    expect(
      attempts.responses['2XX'].content['application/json'].schema.properties.data.items,
    ).toEqual({ $ref: '#/components/schemas/Attempt' });
    expect(Object.keys(doc.components.schemas.Attempt.properties)).toEqual(
      expect.arrayContaining(['hook_id', 'retries left', 'retries_left', 'retries', 'timestamp']),
    );
    expect(doc.components.schemas.ErrorEnvelope.required).toEqual(
      expect.arrayContaining(['status', 'error', 'message', 'data', 'request_id']),
    );
  });

  it('serves a Swagger UI at /docs', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('swagger');
  });
});
