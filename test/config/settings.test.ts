import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';

/** Settings that are refused rather than rounded or clamped, with what each accepts. */
describe('integer settings', () => {
  it.each<[string, string, string]>([
    ['SWITCHBOARD_WORKER_CONCURRENCY', '2.5', 'an integer ≥ 1'],
    ['SWITCHBOARD_WORKER_CONCURRENCY', '-3', 'an integer ≥ 1'],
    ['SWITCHBOARD_WORKER_CONCURRENCY', '0', 'an integer ≥ 1'],
    ['SWITCHBOARD_WORKER_CONCURRENCY', 'lots', 'an integer ≥ 1'],
    ['SWITCHBOARD_WORKER_CONCURRENCY', '1e3', 'an integer ≥ 1'],
    ['SWITCHBOARD_WEBHOOK_MAX_IN_FLIGHT', '0', 'an integer ≥ 1'],
    ['SWITCHBOARD_ACCOUNT_MAX_IN_FLIGHT', '0', 'an integer ≥ 1'],
    ['SWITCHBOARD_CIRCUIT_FAILURES', '0', 'an integer ≥ 1'],
    ['SWITCHBOARD_SCHEDULER_PARTITIONS', '0', 'an integer ≥ 1'],
    ['SWITCHBOARD_INVOKE_ANSWER_LIMIT_BYTES', '0', 'an integer ≥ 1'],
    ['SWITCHBOARD_INTAKE_CONCURRENCY', '0', 'an integer ≥ 1'],
    ['SWITCHBOARD_INTAKE_MAX_STALLS', '-1', 'an integer ≥ 0'],
    ['SWITCHBOARD_QUEUE_CONSUMER_STUCK_MS', '999', 'an integer from 1000 to 3600000'],
    ['SWITCHBOARD_MAX_URI_LENGTH', '4096', 'an integer from 1 to 2048'],
    ['SWITCHBOARD_WORKER_WARM_UP_DELIVERIES', '-1', 'an integer from 0 to 100000'],
    ['SWITCHBOARD_INVOKE_TIMEOUT_MS', '50', 'an integer from 100 to 10000'],
    ['SWITCHBOARD_INVOKE_TIMEOUT_MS', '20000', 'an integer from 100 to 10000'],
    ['PORT', '70000', 'an integer from 0 to 65535'],
    ['SWITCHBOARD_RETENTION_DAYS', '1.5', 'an integer ≥ 0'],
    ['SWITCHBOARD_AUTO_DISABLE_FAILURES', '-1', 'an integer ≥ 0'],
  ])('%s=%j is refused: it must be %s', (name, value, accepted) => {
    const load = () => loadConfig({ [name]: value });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(`${name} must be ${accepted}, got "${value}"`);
  });

  it.each<[string, string, (config: ReturnType<typeof loadConfig>) => number]>([
    ['SWITCHBOARD_WORKER_CONCURRENCY', '1', (c) => c.delivery.concurrency],
    ['SWITCHBOARD_AUTO_DISABLE_FAILURES', '0', (c) => c.delivery.autoDisableThreshold],
    ['SWITCHBOARD_RETENTION_DAYS', '0', (c) => c.delivery.retentionDays],
    ['SWITCHBOARD_MAX_URI_LENGTH', '2048', (c) => c.limits.maxUriLength],
    ['SWITCHBOARD_INVOKE_TIMEOUT_MS', '100', (c) => c.invoke.timeoutMs],
    ['SWITCHBOARD_SCHEDULER_PARTITIONS', ' 4 ', (c) => c.delivery.schedulerPartitions],
    ['SWITCHBOARD_INTAKE_MAX_STALLS', '0', (c) => c.intake.maxStalls],
    ['SWITCHBOARD_WORKER_WARM_UP_DELIVERIES', '0', (c) => c.workerWarmUpDeliveries],
  ])('%s=%j is taken as it is', (name, value, read) => {
    expect(read(loadConfig({ [name]: value }))).toBe(Number(value));
  });

  it('an unset or empty setting is its default', () => {
    const defaults = loadConfig({});
    expect(loadConfig({ SWITCHBOARD_WORKER_CONCURRENCY: '' })).toEqual(defaults);
    expect(defaults.delivery).toMatchObject({
      concurrency: 200,
      webhookMaxInFlight: 128,
      accountMaxInFlight: 128,
      circuitFailures: 5,
      schedulerPartitions: 16,
      retryJitter: 0.2,
      retryScheduleMs: [5_000, 30_000, 120_000, 600_000],
    });
    expect(defaults.invoke).toEqual({ timeoutMs: 3_000, answerLimitBytes: 64 * 1024 });
    expect(defaults.intake.concurrency).toBe(256);
    // A dead worker's jobs come back within about a lock and a half (docs/intake.md).
    expect(defaults.intake.lockMs).toBe(10_000);
    // A job outlives ten deaths of its worker, not BullMQ's one.
    expect(defaults.intake.maxStalls).toBe(10);
    // A consumer that takes nothing while jobs wait is replaced after 30 s (src/supervised-worker.ts).
    expect(defaults.queueConsumerStuckMs).toBe(30_000);
    // What a dead worker was sending is back in line within about 20 s: its leases lapse in 15 s
    // and are taken without the grace (docs/delivery-scheduling.md).
    expect(defaults.delivery.reconcileIntervalMs).toBe(5_000);
    expect(defaults.delivery.reconcileGraceMs).toBe(30_000);
  });
});

describe('other numeric settings', () => {
  it.each(['-0.1', '1.5', 'some'])('SWITCHBOARD_RETRY_JITTER=%j is refused', (value) => {
    expect(() => loadConfig({ SWITCHBOARD_RETRY_JITTER: value })).toThrow(
      `SWITCHBOARD_RETRY_JITTER must be a number from 0 to 1, got "${value}"`,
    );
  });

  it('SWITCHBOARD_RETRY_JITTER takes a fraction', () => {
    expect(loadConfig({ SWITCHBOARD_RETRY_JITTER: '0.5' }).delivery.retryJitter).toBe(0.5);
  });

  it.each(['100,2.5', '100,-5', '100,soon'])('SWITCHBOARD_RETRY_SCHEDULE_MS=%j is refused', (v) => {
    expect(() => loadConfig({ SWITCHBOARD_RETRY_SCHEDULE_MS: v })).toThrow(
      /SWITCHBOARD_RETRY_SCHEDULE_MS must be a comma-separated list of milliseconds/,
    );
  });
});

describe('SWITCHBOARD_ALLOWED_TARGETS', () => {
  it('is parsed once, with the settings', () => {
    const { allowList } = loadConfig({ SWITCHBOARD_ALLOWED_TARGETS: 'hooks.internal, 10.0.0.0/8' });
    expect([...allowList.hosts]).toEqual(['hooks.internal']);
    expect(allowList.blocks.check('10.1.2.3', 'ipv4')).toBe(true);
    expect(allowList.blocks.check('192.168.0.1', 'ipv4')).toBe(false);
  });

  it.each(['10.0.0.0/33', 'bad host!'])('a malformed entry (%j) stops the start', (entry) => {
    const load = () => loadConfig({ SWITCHBOARD_ALLOWED_TARGETS: entry });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/^SWITCHBOARD_ALLOWED_TARGETS: invalid allowed target/);
  });
});

describe('console settings', () => {
  it('frames the console only from its own origin unless told otherwise', () => {
    expect(loadConfig({}).console).toEqual({ frameAncestors: ["'self'"], publicUrl: undefined });
  });

  it('takes the sources a reseller embeds it from, and the public URL of links', () => {
    const config = loadConfig({
      SWITCHBOARD_CONSOLE_FRAME_ANCESTORS:
        "'self', https://portal.reseller.example https://*.acme.example:8443",
      SWITCHBOARD_PUBLIC_URL: 'https://switchboard.example.com/',
    });
    expect(config.console).toEqual({
      frameAncestors: ["'self'", 'https://portal.reseller.example', 'https://*.acme.example:8443'],
      publicUrl: 'https://switchboard.example.com',
    });
  });

  it.each([
    ['SWITCHBOARD_CONSOLE_FRAME_ANCESTORS', 'https://a.example; script-src *'],
    ['SWITCHBOARD_CONSOLE_FRAME_ANCESTORS', "'unsafe-inline'"],
    ['SWITCHBOARD_CONSOLE_FRAME_ANCESTORS', "'none' https://a.example"],
    ['SWITCHBOARD_PUBLIC_URL', 'ftp://files.example'],
    ['SWITCHBOARD_PUBLIC_URL', 'not a url'],
  ])('%s=%j stops the start', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
  });
});
