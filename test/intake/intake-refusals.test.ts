import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Queue } from 'bullmq';
import { createTenant } from '../support/app.ts';
import { deliveryStack } from '../support/stack.ts';
import { jobInState, storedEvents } from '../support/intake.ts';
import { eventually } from '../support/receiver.ts';
import { openIntakeQueue } from '../../src/intake/intake-queue.ts';

const METRICS_TOKEN = 'intake-metrics-token';

/**
 * A job that can never be accepted fails at once, whatever attempts the producer gave it, with a
 * reason a person can read, stays in the failed set, and is counted in /metrics.
 */
describe('intake jobs that can never be accepted', () => {
  const stack = deliveryStack({
    SWITCHBOARD_MAX_PAYLOAD_BYTES: '1024',
    SWITCHBOARD_METRICS_TOKEN: METRICS_TOKEN,
  });
  let queue: Queue;
  let accountId: string;

  beforeAll(async () => {
    queue = openIntakeQueue(stack.t.redis, stack.t.config);
    accountId = (await createTenant(stack.t.db)).account.id;
  });
  afterAll(() => queue.close());

  async function metrics(): Promise<Map<string, number>> {
    const res = await stack.t.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(res.statusCode).toBe(200);
    return new Map(
      res.body
        .split('\n')
        .filter((line) => line.startsWith('switchboard_intake_'))
        .map((line) => [line.slice(0, line.lastIndexOf(' ')), Number(line.split(' ').at(-1))]),
    );
  }

  const unknownAccount = 'f'.repeat(32);
  const cases: [string, string, () => unknown, RegExp, string][] = [
    [
      'unknown account',
      'sms',
      () => ({ account_id: unknownAccount, payload: {} }),
      new RegExp(`^unknown account "${unknownAccount}"$`),
      'unknown_account',
    ],
    ['missing account', 'sms', () => ({ payload: {} }), /has no account_id/, 'unknown_account'],
    [
      'malformed account',
      'sms',
      () => ({ account_id: 'x', payload: {} }),
      /^unknown account "x"$/,
      'unknown_account',
    ],
    [
      'unknown type',
      'no_such_event',
      () => ({ account_id: accountId, payload: {} }),
      /unknown event type "no_such_event"/,
      'unknown_type',
    ],
    [
      'name and type disagree',
      'sms',
      () => ({ account_id: accountId, type: 'channel_create', payload: {} }),
      /job name "sms" and data.type "channel_create" disagree/,
      'type_mismatch',
    ],
    [
      'payload not an object',
      'sms',
      () => ({ account_id: accountId, payload: [1, 2] }),
      /payload must be a JSON object/,
      'payload_not_object',
    ],
    ['payload missing', 'sms', () => ({ account_id: accountId }), /has no payload/, 'bad_shape'],
    [
      'payload too large',
      'sms',
      () => ({ account_id: accountId, payload: { text: 'x'.repeat(2000) } }),
      /payload is \d+ bytes; the limit is 1024/,
      'payload_too_large',
    ],
    [
      'bad id',
      'sms',
      () => ({ account_id: accountId, id: 'has space', payload: {} }),
      /id "has space" is not a valid event id/,
      'bad_id',
    ],
    [
      'unknown field',
      'sms',
      () => ({ account_id: accountId, payload: {}, extra: 1 }),
      /unknown field "extra"/,
      'bad_shape',
    ],
    ['data not an object', 'sms', () => 'just text', /job data must be an object/, 'bad_shape'],
    [
      'NUL in the payload',
      'sms',
      () => ({ account_id: accountId, payload: { t: 'a\u0000b' } }),
      /payload.t may not contain a NUL character/,
      'unstorable',
    ],
  ];

  it.each(cases)(
    '%s: failed at once with a readable reason, counted',
    async (label, name, data, reason, counter) => {
      const before = await metrics();
      const jobId = `refused-${label.replace(/\W+/g, '-')}`;
      await queue.add(name, data(), { jobId, attempts: 5, backoff: { type: 'fixed', delay: 10 } });
      const job = await jobInState(queue, jobId, 'failed');
      expect(job.failedReason).toMatch(reason);
      expect(job.attemptsMade).toBe(1);
      const after = await metrics();
      const key = `switchboard_intake_refused_total{reason="${counter}"}`;
      expect(after.get(key)).toBe((before.get(key) ?? 0) + 1);
      expect(after.get('switchboard_intake_jobs{state="failed"}')).toBe(
        (before.get('switchboard_intake_jobs{state="failed"}') ?? 0) + 1,
      );
      expect(await storedEvents(stack.t.db, accountId, [jobId])).toEqual([]);
    },
  );

  it('the failed set keeps refusals for people to read; a good job next to them is stored', async () => {
    await queue.add('sms', { account_id: accountId, payload: {} }, { jobId: 'accepted-1' });
    await eventually(
      async () => (await storedEvents(stack.t.db, accountId, ['accepted-1'])).length === 1,
    );
    expect(await queue.getFailedCount()).toBe(cases.length);
  });
});
