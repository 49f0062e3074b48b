/** Every setting of Switchboard, read from the environment once, with local defaults. */

export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  redisUrl: string;
  /** Prefix of every Redis key (BullMQ queues), so several deployments or test runs can share one Redis. */
  redisPrefix: string;
  rootKey: string | undefined;
  /** Hosts or CIDRs exempt from the SSRF guard (e.g. 127.0.0.1/32 for local receivers). */
  allowedTargets: string[];
  logLevel: string;
  /** Largest accepted request body, bytes. */
  bodyLimit: number;
  /** Largest accepted event payload (JSON bytes). */
  maxPayloadBytes: number;
  delivery: DeliveryConfig;
}

export interface DeliveryConfig {
  /** Connect + response time allowed to one attempt, ms. */
  attemptTimeoutMs: number;
  /** Base delays before retry 1, 2, 3, 4…, ms (the last repeats); jitter is applied on top. */
  retryScheduleMs: number[];
  /** ±fraction of random jitter on each retry delay. */
  retryJitter: number;
  /** Failed attempts within the window that disable a webhook. */
  autoDisableThreshold: number;
  autoDisableWindowMs: number;
  /** Jobs processed at once by one worker process. */
  concurrency: number;
  /** Follow 3xx redirects (off by default: a 3xx is a failure). */
  followRedirects: boolean;
  /** Bytes of a response body kept in the attempts log. */
  responseBodyLimit: number;
  /** How often the reconciler looks for work the queue lost, ms. */
  reconcileIntervalMs: number;
  /** How late a pending delivery or un-fanned event must be before the reconciler re-enqueues it, ms. */
  reconcileGraceMs: number;
  /** Events older than this, with their deliveries and attempts, are deleted once ended (0 keeps all). */
  retentionDays: number;
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0)
    throw new Error(`${name} must be a non-negative number, got "${raw}"`);
  return value;
}

function list(env: Env, name: string): string[] {
  return (env[name] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export function loadConfig(env: Env = process.env): Config {
  const schedule = list(env, 'SWITCHBOARD_RETRY_SCHEDULE_MS').map(Number);
  if (schedule.some((n) => !Number.isFinite(n) || n < 0)) {
    throw new Error('SWITCHBOARD_RETRY_SCHEDULE_MS must be a comma-separated list of milliseconds');
  }
  return {
    port: int(env, 'PORT', 3000),
    host: env.HOST || '127.0.0.1',
    databaseUrl: env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/switchboard',
    redisUrl: env.REDIS_URL || 'redis://127.0.0.1:6379',
    redisPrefix: env.SWITCHBOARD_REDIS_PREFIX || 'switchboard',
    rootKey: env.SWITCHBOARD_ROOT_KEY || undefined,
    allowedTargets: list(env, 'SWITCHBOARD_ALLOWED_TARGETS'),
    logLevel: env.LOG_LEVEL || 'info',
    bodyLimit: int(env, 'SWITCHBOARD_BODY_LIMIT', 8 * 1024 * 1024),
    maxPayloadBytes: int(env, 'SWITCHBOARD_MAX_PAYLOAD_BYTES', 256 * 1024),
    delivery: {
      attemptTimeoutMs: int(env, 'SWITCHBOARD_ATTEMPT_TIMEOUT_MS', 5_000),
      retryScheduleMs: schedule.length > 0 ? schedule : [5_000, 30_000, 120_000, 600_000],
      retryJitter: int(env, 'SWITCHBOARD_RETRY_JITTER', 0.2),
      autoDisableThreshold: int(env, 'SWITCHBOARD_AUTO_DISABLE_FAILURES', 6),
      autoDisableWindowMs: int(env, 'SWITCHBOARD_AUTO_DISABLE_WINDOW_MS', 60_000),
      concurrency: int(env, 'SWITCHBOARD_WORKER_CONCURRENCY', 200),
      followRedirects: env.SWITCHBOARD_FOLLOW_REDIRECTS === 'true',
      responseBodyLimit: int(env, 'SWITCHBOARD_RESPONSE_BODY_LIMIT', 8 * 1024),
      reconcileIntervalMs: int(env, 'SWITCHBOARD_RECONCILE_INTERVAL_MS', 15_000),
      reconcileGraceMs: int(env, 'SWITCHBOARD_RECONCILE_GRACE_MS', 30_000),
      retentionDays: int(env, 'SWITCHBOARD_RETENTION_DAYS', 30),
    },
  };
}
