import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createTenant, startTestApp, testConfig, type TestApp } from '../support/app.ts';
import {
  eventually,
  startReceiver,
  type Receiver,
  type ReceivedRequest,
} from '../support/receiver.ts';
import { createWebhook, publish } from '../support/tenants.ts';
import { deleteKeys } from '../support/redis-keys.ts';
import { spawnWorkerProcess, startTestWorker } from '../support/worker.ts';

/**
 * Ordered per call (docs/delivery-scheduling.md): a webhook with `ordering: "call"` receives the
 * events of one call in publish order, through retries, across worker processes; other calls,
 * and webhooks that do not order, keep full concurrency.
 */

const PHASES = ['call_created', 'call_answered', 'call_hungup'] as const;
const KAZOO_NAMES = ['channel_create', 'channel_answer', 'channel_destroy'] as const;

/** A call event in one of three platforms' shapes (Kazoo's names for Kazoo, VoIPBIN's for the others). */
function callEvent(platform: 'kazoo' | 'voipbin' | 'jambonz', callId: string, phase: number) {
  if (platform === 'kazoo')
    return {
      type: KAZOO_NAMES[phase],
      payload: { call_id: callId, call_direction: 'inbound', caller_id_number: '+15551234567' },
    };
  if (platform === 'voipbin')
    return {
      type: PHASES[phase],
      payload: {
        id: callId,
        source: { type: 'tel', target: '+15550001111' },
        destination: { type: 'tel', target: '+15550002222' },
        tm_create: '2026-12-05 10:00:00.000000',
      },
    };
  return {
    type: PHASES[phase],
    payload: { call_sid: callId, direction: 'outbound', from: '+15550003333', to: '+15550004444' },
  };
}

/** What a VoIPBIN-enveloped delivery says: its call and its phase (0, 1, 2). */
function callAndPhase(req: ReceivedRequest): { call: string; phase: number } {
  const body = JSON.parse(req.body) as { type: (typeof PHASES)[number]; data: { id: string } };
  return { call: body.data.id, phase: PHASES.indexOf(body.type) };
}

/** Each call's phases in the order its requests arrived (failed attempts included). */
function arrivals(requests: ReceivedRequest[]): Map<string, number[]> {
  const byCall = new Map<string, number[]>();
  for (const req of requests) {
    const { call, phase } = callAndPhase(req);
    byCall.set(call, [...(byCall.get(call) ?? []), phase]);
  }
  return byCall;
}

const inOrder = (phases: number[]) => phases.every((p, i) => i === 0 || p >= phases[i - 1]);

const hookFields = (uri: string, extra: Record<string, unknown> = {}) => ({
  uri,
  event_types: [...PHASES],
  retries: 4,
  ...extra,
});

/** Quick retries, and failures that never disable a hook (this file fails requests on purpose). */
const SETTINGS = {
  SWITCHBOARD_AUTO_DISABLE_FAILURES: '1000000',
  SWITCHBOARD_RETRY_SCHEDULE_MS: '50,100,150,200',
  SWITCHBOARD_RETRY_JITTER: '0',
};

describe('ordered per call, across two worker processes, with failures and retries', () => {
  let t: TestApp;
  let receiver: Receiver;
  const workers: ChildProcess[] = [];
  const CALLS = 300;
  const tries = new Map<string, number>();

  beforeAll(async () => {
    t = await startTestApp(testConfig(SETTINGS));
    // A third of deliveries fail their first try with a 503, a ninth their second too: retries
    // happen everywhere, and every delivery gets through within its 4 retries.
    receiver = await startReceiver((req) => {
      const id = String(req.headers['webhook-id']);
      const attempt = (tries.get(id) ?? 0) + 1;
      tries.set(id, attempt);
      const pick = createHash('sha256').update(id).digest()[0] % 9;
      const fails = pick < 3 ? (pick === 0 ? 2 : 1) : 0;
      return { status: attempt <= fails ? 503 : 200 };
    });
    for (let i = 0; i < 2; i++) {
      workers.push(
        spawnWorkerProcess(t.config, {
          ...SETTINGS,
          SWITCHBOARD_WORKER_CONCURRENCY: '40',
          SWITCHBOARD_ATTEMPT_TIMEOUT_MS: '2000',
        }),
      );
    }
  });
  afterAll(async () => {
    for (const worker of workers) worker.kill('SIGKILL');
    await receiver.close();
    await t.close();
  });

  it(`delivers every one of ${CALLS} concurrent calls (create → answer → destroy) in publish order`, async () => {
    const tenant = await createTenant(t.db);
    await createWebhook(t.app, tenant.key, tenant.account.id, {
      ...hookFields(receiver.url),
      ordering: 'call',
    });
    const platforms = ['kazoo', 'voipbin', 'jambonz'] as const;
    // Every call publishes its three events one after the other (each accepted before the next
    // is published); the calls run side by side.
    await Promise.all(
      Array.from({ length: CALLS }, async (_, i) => {
        for (let phase = 0; phase < 3; phase++) {
          await publish(t.app, tenant.key, tenant.account.id, {
            id: `call-${i}-${phase}`,
            ...callEvent(platforms[i % 3], `call-${i}`, phase),
          });
        }
      }),
    );
    const { rows } = await eventually(
      async () => {
        const result = await t.db.pool.query<{ pending: string }>(
          `SELECT count(*) FILTER (WHERE status <> 'delivered') AS pending FROM deliveries`,
        );
        return Number(result.rows[0].pending) === 0 ? result : undefined;
      },
      90_000,
      250,
    );
    expect(rows[0].pending).toBe('0');
    const byCall = arrivals(receiver.requests);
    expect(byCall.size).toBe(CALLS);
    const outOfOrder = [...byCall].filter(([, phases]) => !inOrder(phases));
    expect(outOfOrder).toEqual([]);
    // Each call's events arrived, each accepted once; and retries did happen.
    for (const phases of byCall.values()) expect(new Set(phases)).toEqual(new Set([0, 1, 2]));
    expect(receiver.requests.length).toBeGreaterThan(CALLS * 3 + 100);
  }, 150_000);
});

describe('ordering by call, on one worker', () => {
  let t: TestApp;
  let worker: { close(): Promise<void> };
  let slow: Receiver;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  const DELAY = 300;

  beforeAll(async () => {
    t = await startTestApp(testConfig(SETTINGS));
    slow = await startReceiver((req) => ({
      status: req.url.startsWith('/fail') && callAndPhase(req).phase === 1 ? 503 : 200,
      delayMs: DELAY,
    }));
    worker = await startTestWorker(t.config);
    tenant = await createTenant(t.db);
  });
  afterAll(async () => {
    await worker.close();
    await slow.close();
    await t.close();
  });

  /** Publishes each call's three events in one request: their publish order is the request's. */
  async function publishCalls(prefix: string, calls: number) {
    await Promise.all(
      Array.from({ length: calls }, (_, i) =>
        publish(
          t.app,
          tenant.key,
          tenant.account.id,
          [0, 1, 2].map((phase) => ({
            id: `${prefix}-${i}-${phase}`,
            ...callEvent('voipbin', `${prefix}-${i}`, phase),
          })),
        ),
      ),
    );
  }
  const at = (path: string) => slow.requests.filter((r) => r.url.startsWith(path));

  it('without ordering, a call’s events are in flight together', async () => {
    await createWebhook(t.app, tenant.key, tenant.account.id, hookFields(`${slow.url}/none`));
    await publishCalls('free', 1);
    await eventually(async () => at('/none').length === 3);
    const times = at('/none').map((r) => r.at);
    // All three arrived before the first was answered.
    expect(Math.max(...times) - Math.min(...times)).toBeLessThan(DELAY);
  });

  it('with ordering, one event of a call at a time, while other calls go at full concurrency', async () => {
    await createWebhook(t.app, tenant.key, tenant.account.id, {
      ...hookFields(`${slow.url}/ordered`),
      ordering: 'call',
    });
    const CALLS = 10;
    await publishCalls('ordered', CALLS);
    await eventually(async () => at('/ordered').length === CALLS * 3, 15_000);
    for (const [call, phases] of arrivals(at('/ordered'))) {
      expect(phases, call).toEqual([0, 1, 2]);
      const times = at('/ordered')
        .filter((r) => callAndPhase(r).call === call)
        .map((r) => r.at);
      // Each event went out only once the one before was answered.
      expect(times[1] - times[0], call).toBeGreaterThanOrEqual(DELAY - 5);
      expect(times[2] - times[1], call).toBeGreaterThanOrEqual(DELAY - 5);
    }
    // The calls' first events were all in flight together.
    const firsts = at('/ordered')
      .filter((r) => callAndPhase(r).phase === 0)
      .map((r) => r.at);
    expect(Math.max(...firsts) - Math.min(...firsts)).toBeLessThan(DELAY);
  });

  it('a call whose middle event fails for good lets the next one go', async () => {
    await createWebhook(t.app, tenant.key, tenant.account.id, {
      ...hookFields(`${slow.url}/fail`),
      ordering: 'call',
      retries: 1,
    });
    await publishCalls('failing', 1);
    await eventually(async () => at('/fail').length === 4, 15_000);
    // create, answer, answer's retry, then destroy.
    expect(arrivals(at('/fail')).get('failing-0')).toEqual([0, 1, 1, 2]);
    const { rows } = await t.db.pool.query<{ id: string; status: string }>(
      `SELECT d.event_id AS id, d.status FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id
       WHERE w.uri LIKE '%/fail' ORDER BY d.seq`,
    );
    await eventually(async () => {
      const { rows: now } = await t.db.pool.query<{ status: string }>(
        `SELECT d.status FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id
         WHERE w.uri LIKE '%/fail' AND d.status = 'pending'`,
      );
      return now.length === 0;
    });
    expect(rows.map((r) => r.id)).toEqual(['failing-0-0', 'failing-0-1', 'failing-0-2']);
    const final = await t.db.pool.query<{ status: string }>(
      `SELECT d.status FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id
       WHERE w.uri LIKE '%/fail' ORDER BY d.seq`,
    );
    expect(final.rows.map((r) => r.status)).toEqual(['delivered', 'failed', 'delivered']);
  });
});

describe('ordered per call when Redis or a worker is lost', () => {
  let t: TestApp;
  let receiver: Receiver;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  /** Requests whose path starts with this are held this long before the answer. */
  const slowPaths = new Map<string, number>();

  beforeAll(async () => {
    t = await startTestApp(testConfig({ ...SETTINGS, SWITCHBOARD_ATTEMPT_TIMEOUT_MS: '1000' }));
    receiver = await startReceiver((req) => {
      const slow = [...slowPaths].find(([path]) => req.url.startsWith(path));
      return { status: 200, delayMs: slow?.[1] };
    });
    tenant = await createTenant(t.db);
  });
  afterAll(async () => {
    await receiver.close();
    await t.close();
  });

  const at = (path: string) => receiver.requests.filter((r) => r.url.startsWith(path));
  async function publishCall(id: string, platform: 'kazoo' | 'voipbin' | 'jambonz' = 'kazoo') {
    await publish(
      t.app,
      tenant.key,
      tenant.account.id,
      [0, 1, 2].map((phase) => ({ id: `${id}-${phase}`, ...callEvent(platform, id, phase) })),
    );
  }
  async function allDelivered(path: string) {
    await eventually(
      async () => {
        const { rows } = await t.db.pool.query<{ n: string }>(
          `SELECT count(*) AS n FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id
           WHERE w.uri LIKE $1 AND d.status <> 'delivered'`,
          [`%${path}`],
        );
        return rows[0].n === '0';
      },
      60_000,
      100,
    );
  }

  it('keeps each call in order when Redis loses every line (the reconciler puts them back)', async () => {
    const path = '/flushed';
    slowPaths.set(path, 200);
    await createWebhook(t.app, tenant.key, tenant.account.id, {
      ...hookFields(`${receiver.url}${path}`),
      ordering: 'call',
    });
    const worker = await startTestWorker(t.config);
    try {
      await Promise.all(Array.from({ length: 20 }, (_, i) => publishCall(`flushed-${i}`)));
      await receiver.waitFor(1);
      expect(await deleteKeys(t.redis, `${t.config.redisPrefix}:sched:*`)).toBeGreaterThan(0);
      await allDelivered(path);
    } finally {
      await worker.close();
    }
    const byCall = arrivals(at(path));
    expect(byCall.size).toBe(20);
    for (const [call, phases] of byCall) {
      expect(inOrder(phases), `${call}: ${phases.join(',')}`).toBe(true);
      expect(new Set(phases), call).toEqual(new Set([0, 1, 2]));
    }
  }, 90_000);

  it('keeps a call in order when the worker sending its first event is killed (kill -9)', async () => {
    const path = '/killed';
    // The first event's request is held long enough to kill the worker while it is in flight.
    slowPaths.set(`${path}/first`, 60_000);
    const hook = await createWebhook(t.app, tenant.key, tenant.account.id, {
      ...hookFields(`${receiver.url}${path}/first`),
      ordering: 'call',
    });
    const doomed = spawnWorkerProcess(t.config, {
      ...SETTINGS,
      SWITCHBOARD_ATTEMPT_TIMEOUT_MS: '1000',
      SWITCHBOARD_WORKER_CONCURRENCY: '8',
    });
    await publishCall('killed', 'jambonz');
    await eventually(async () => at(path).length === 1, 20_000);
    doomed.kill('SIGKILL');
    // From now on the endpoint answers at once.
    await api(t.app, tenant.key).patch(`/v2/accounts/${tenant.account.id}/webhooks/${hook.id}`, {
      uri: `${receiver.url}${path}/then`,
    });
    const worker = await startTestWorker(t.config);
    try {
      // The killed worker's claim and lease expire (5 s and 15 s, no longer renewed), then its
      // delivery goes again; the call's later events wait for it.
      await allDelivered(`${path}/then`);
    } finally {
      await worker.close();
    }
    expect(arrivals(at(path)).get('killed')).toEqual([0, 0, 1, 2]);
  }, 90_000);
});

describe('the ordering setting', () => {
  let t: TestApp;
  let tenant: Awaited<ReturnType<typeof createTenant>>;

  beforeAll(async () => {
    t = await startTestApp();
    tenant = await createTenant(t.db);
  });
  afterAll(() => t.close());

  const hooksUrl = () => `/v2/accounts/${tenant.account.id}/webhooks`;

  it('is "none" or "call"; anything else is a 400 in the error envelope', async () => {
    const res = await api(t.app, tenant.key).put(hooksUrl(), {
      name: 'bad',
      ...hookFields('http://127.0.0.1:9/x'),
      ordering: 'sometimes',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      status: 'error',
      error: '400',
      message: 'validation error',
      data: { ordering: { enum: expect.any(Object) } },
    });
    const account = await api(t.app, tenant.key).patch(`/v2/accounts/${tenant.account.id}`, {
      webhook_defaults: { ordering: 7 },
    });
    expect(account.statusCode).toBe(400);
    expect(account.json().status).toBe('error');
  });

  it('is shown when set, can be patched away, and falls back to the account’s default', async () => {
    const as = api(t.app, tenant.key);
    const hook = await createWebhook(t.app, tenant.key, tenant.account.id, {
      ...hookFields('http://127.0.0.1:9/x'),
      ordering: 'call',
    });
    expect(hook.ordering).toBe('call');
    const patched = await as.patch(`${hooksUrl()}/${hook.id}`, { ordering: null });
    expect(patched.statusCode).toBe(200);
    expect(patched.json().data.ordering).toBeUndefined();

    const set = await as.patch(`/v2/accounts/${tenant.account.id}`, {
      webhook_defaults: { ordering: 'call' },
    });
    expect(set.statusCode).toBe(200);
    expect(set.json().data.webhook_defaults).toEqual({ ordering: 'call' });
    const inheriting = await createWebhook(t.app, tenant.key, tenant.account.id, {
      ...hookFields('http://127.0.0.1:9/y'),
    });
    const opted = await createWebhook(t.app, tenant.key, tenant.account.id, {
      ...hookFields('http://127.0.0.1:9/z'),
      ordering: 'none',
    });
    await publish(t.app, tenant.key, tenant.account.id, {
      id: 'inherit-1',
      ...callEvent('kazoo', 'inherit-call', 0),
    });
    const { rows } = await t.db.pool.query<{ webhookId: string; callKey: string | null }>(
      `SELECT webhook_id AS "webhookId", call_key AS "callKey" FROM deliveries WHERE event_id = 'inherit-1'`,
    );
    const keyOf = new Map(rows.map((r) => [r.webhookId, r.callKey]));
    expect(keyOf.get(inheriting.id)).toMatch(/^[0-9a-f]{20}$/);
    expect(keyOf.get(hook.id)).toMatch(/^[0-9a-f]{20}$/);
    expect(keyOf.get(opted.id)).toBeNull();
  });
});
