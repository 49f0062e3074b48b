/** Every setting of Switchboard, read from the environment once, with local defaults. */

import { INVOKE_TIMEOUT_BOUNDS } from './domain/call-control.ts';
import { parseAllowList, type AllowList } from './delivery/ssrf.ts';

export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  redisUrl: string;
  /** Prefix of every Redis key (the scheduler's), so several deployments or test runs can share one Redis. */
  redisPrefix: string;
  rootKey: string | undefined;
  /** Hosts or CIDRs exempt from the SSRF guard (e.g. 127.0.0.1/32 for local receivers). */
  allowedTargets: string[];
  /** allowedTargets parsed, once for every HTTP client of the process (a typo stops the start). */
  allowList: AllowList;
  /**
   * Origins whose browser pages may call the API (CORS): `*` (the default) or exact origins such
   * as `https://ui.example.com`. Any origin is safe by default because the API authenticates by a
   * token header, never by cookies (docs/security.md).
   */
  corsOrigins: string[];
  logLevel: string;
  /** Bearer token that /metrics requires; unset, /metrics is off (404). */
  metricsToken: string | undefined;
  /** Largest accepted request body, bytes. */
  bodyLimit: number;
  /** Requests the API runs through itself before it listens (0: none), so its code is warm. */
  warmUpRequests: number;
  /**
   * Made-up deliveries a worker sends to a receiver of its own on 127.0.0.1 before it takes any
   * (0: none), so its delivery code is warm (src/delivery/warm-up.ts).
   */
  workerWarmUpDeliveries: number;
  /** `npm start`: how much lower the worker child's CPU priority is than the API's (nice steps). */
  workerNice: number;
  /**
   * A worker's BullMQ consumer (intake, housekeeping) that has taken no job for this long while
   * jobs waited and it had room is replaced by a new one (src/supervised-worker.ts). Default 30 s.
   */
  queueConsumerStuckMs: number;
  /** Largest accepted event payload (JSON bytes). */
  maxPayloadBytes: number;
  limits: Limits;
  delivery: DeliveryConfig;
  invoke: InvokeConfig;
  intake: IntakeConfig;
  console: ConsoleConfig;
}

/** The web console served at /console (docs/console.md). */
export interface ConsoleConfig {
  /**
   * Who may show the console in a frame: the CSP `frame-ancestors` sources, e.g.
   * `https://portal.reseller.example` (a reseller embedding it). Default `'self'`.
   */
  frameAncestors: string[];
  /**
   * Where the console is reached from outside, for the links PUT …/console_tokens answers (e.g.
   * `https://switchboard.example.com`). Unset: the scheme and host of the request that mints one.
   */
  publicUrl: string | undefined;
}

/** Events enqueued onto BullMQ by a platform (docs/intake.md). */
export interface IntakeConfig {
  /** The BullMQ queue producers add events to. Default `switchboard-events`. */
  queue: string;
  /** Jobs one worker process stores at once (they share group commits). Default 256. */
  concurrency: number;
  /** Failed (refused) jobs kept for people to read, newest first. Default 10,000. */
  failedKeep: number;
  /** Serve bull-board at /admin/queues (root key only). Default on. */
  board: boolean;
  /**
   * A job's lock, ms (renewed while it runs, so only a dead or frozen worker loses it): the jobs
   * of a worker that died are taken up again after about this long. Far above the time a store
   * takes. Default 10 s.
   */
  lockMs: number;
  /**
   * How many times in its life a job may be taken up again after its worker died (or froze past
   * the lock) holding it; once more and it fails ("job stalled more than allowable limit").
   * Bounds a job that kills every worker that stores it. Default 10.
   */
  maxStalls: number;
}

/** Call-control invokes (docs/call-control.md). */
export interface InvokeConfig {
  /** Deadline of an invoke whose caller names none, ms (within INVOKE_TIMEOUT_BOUNDS). Default 3000. */
  timeoutMs: number;
  /** Largest answer a call-control webhook may give, bytes; a longer one is `too_large`. Default 64 KiB. */
  answerLimitBytes: number;
}

/** What one tenant may ask of the shared service (docs/limits.md). */
export interface Limits {
  /** Deepest nesting of objects and arrays in a request body, its {"data": …} included. Default 32. */
  maxJsonDepth: number;
  /** Largest `custom_data` of a webhook, bytes of JSON. Default 8 KiB. */
  maxCustomDataBytes: number;
  /** Largest set of properties a webhook or account document carries that are not ours (Kazoo's
   * ui_metadata, ui_flags…), bytes of JSON. Default 16 KiB. */
  maxExtraPropertiesBytes: number;
  /** Largest `modifiers` of a webhook, bytes of JSON. Default 8 KiB. */
  maxModifiersBytes: number;
  /** Longest webhook uri, characters (the schema's 2048 is the ceiling). Default 2048. */
  maxUriLength: number;
  /** Webhooks one account may have. Default 100. */
  maxWebhooksPerAccount: number;
  /** Levels of the account tree, the root being level 1. Default 8. */
  maxAccountDepth: number;
  /** Largest page_size served; a larger one is served at this size. Default 1000. */
  maxPageSize: number;
  /** Most rows of one paginate=false answer (next_start_key leads on). Default 1000. */
  maxUnpagedResults: number;
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
  /** Deliveries in flight at once in one worker process (its slots). */
  concurrency: number;
  /**
   * Deliveries in flight at once to one webhook, cluster-wide, unless the webhook or its account
   * says otherwise. Default 128, the account's cap: a delivery holds its slot from the moment it
   * is taken until the scheduler hears it was answered (its lease in Postgres, the request, the
   * next round trip), on a saturated machine 50–97 ms on average, and at 32 or 64 one webhook
   * was held below 1,000 deliveries a second by that, whatever its endpoint could take
   * (docs/delivery-scheduling.md, "Caps", says what the higher default costs).
   */
  webhookMaxInFlight: number;
  /** Deliveries in flight at once to all the webhooks of one account, cluster-wide. */
  accountMaxInFlight: number;
  /** Consecutive timeouts or connection errors that open a webhook's circuit. */
  circuitFailures: number;
  /** How long a circuit stays open before one probe is let through; doubles per reopening. */
  circuitOpenMs: number;
  /** The longest a circuit stays open between probes. */
  circuitMaxOpenMs: number;
  /** Follow 3xx redirects (off by default: a 3xx is a failure). */
  followRedirects: boolean;
  /** Bytes of a response body kept in the attempts log. */
  responseBodyLimit: number;
  /** How often the reconciler looks for work the queue lost, ms. */
  reconcileIntervalMs: number;
  /** How late a pending delivery or un-fanned event must be before the reconciler puts it back in line, ms. */
  reconcileGraceMs: number;
  /** How often a worker moves bulk replays on (POST …/replays), ms. */
  replayIntervalMs: number;
  /** Failed deliveries a replay queues per page (one transaction each). */
  replayPageSize: number;
  /** Events older than this, with their deliveries and attempts, are deleted once ended (0 keeps all). */
  retentionDays: number;
  /**
   * Partitions of the scheduler's lines (docs/delivery-scheduling.md): each is one Redis Cluster
   * hash slot, so lines spread over a cluster's shards. Every process must use the same number.
   */
  schedulerPartitions: number;
}

type Env = Record<string, string | undefined>;

/** A root key shorter than this is refused at start: it must not be guessable. */
export const MIN_ROOT_KEY_LENGTH = 32;

/** A setting that cannot be used: the process refuses to start, saying which and why. */
export class ConfigError extends Error {}

function rootKey(env: Env): string | undefined {
  const key = env.SWITCHBOARD_ROOT_KEY || undefined;
  if (key !== undefined && key.length < MIN_ROOT_KEY_LENGTH) {
    throw new ConfigError(
      `SWITCHBOARD_ROOT_KEY must be at least ${MIN_ROOT_KEY_LENGTH} characters (it has ${key.length}); ` +
        'use a long random string, e.g. `openssl rand -base64 32`, or leave it unset to have one generated',
    );
  }
  return key;
}

/** Decimal digits only (no sign, point or exponent) of a safe integer; else undefined. */
function wholeNumber(text: string): number | undefined {
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  return Number.isSafeInteger(value) ? value : undefined;
}

/** The integers a setting accepts: `min` and `max` included. */
interface Range {
  min: number;
  max?: number;
}

function rangeText({ min, max }: Range): string {
  return max === undefined ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`;
}

/**
 * An integer setting, or `fallback` when unset. A fraction, a sign, any other text, or a value
 * outside `range` stops the start with the setting's name and what it accepts: silently rounding
 * or clamping would run with a value nobody chose.
 */
function int(env: Env, name: string, fallback: number, range: Range = { min: 0 }): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = wholeNumber(raw.trim());
  if (value === undefined || value < range.min || (range.max !== undefined && value > range.max)) {
    throw new ConfigError(`${name} must be ${rangeText(range)}, got "${raw}"`);
  }
  return value;
}

/** Counts, sizes and durations that 0 would make useless (no slot, no byte, no wait). */
const AT_LEAST_ONE: Range = { min: 1 };

/** A fraction setting (0 to 1), or `fallback` when unset. */
function fraction(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new ConfigError(`${name} must be a number from 0 to 1, got "${raw}"`);
  }
  return value;
}

function list(env: Env, name: string): string[] {
  return (env[name] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * CSP source expressions for `frame-ancestors`: `'self'`, `'none'`, or a scheme/host source such
 * as `https://*.example.com`. Anything else (a `;`, a quote, a path with spaces) could change the
 * header's meaning, so it stops the start. Separated by commas or spaces.
 */
function frameAncestors(env: Env): string[] {
  const name = 'SWITCHBOARD_CONSOLE_FRAME_ANCESTORS';
  const sources = (env[name] ?? '').split(/[\s,]+/).filter(Boolean);
  if (sources.length === 0) return ["'self'"];
  const source =
    /^(?:'self'|'none'|[a-z][a-z0-9+.-]*:|(?:[a-z][a-z0-9+.-]*:\/\/)?(?:\*\.)?[a-z0-9.-]+(?::(?:\d{1,5}|\*))?)$/i;
  const bad = sources.find((s) => !source.test(s));
  if (bad !== undefined) {
    throw new ConfigError(
      `${name} must list CSP sources ('self', 'none', https://portal.example.com…), got "${bad}"`,
    );
  }
  if (sources.includes("'none'") && sources.length > 1) {
    throw new ConfigError(`${name}: 'none' cannot be combined with other sources`);
  }
  return sources;
}

function publicUrl(env: Env): string | undefined {
  const raw = env.SWITCHBOARD_PUBLIC_URL?.trim();
  if (!raw) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || !/^https?:$/.test(url.protocol)) {
    throw new ConfigError(`SWITCHBOARD_PUBLIC_URL must be an http(s) URL, got "${raw}"`);
  }
  return url.origin + url.pathname.replace(/\/+$/, '');
}

function allowList(env: Env): AllowList {
  try {
    return parseAllowList(list(env, 'SWITCHBOARD_ALLOWED_TARGETS'));
  } catch (error) {
    throw new ConfigError(`SWITCHBOARD_ALLOWED_TARGETS: ${(error as Error).message}`);
  }
}

export function loadConfig(env: Env = process.env): Config {
  const scheduleText = list(env, 'SWITCHBOARD_RETRY_SCHEDULE_MS');
  const schedule = scheduleText.map(wholeNumber).filter((ms) => ms !== undefined);
  if (schedule.length !== scheduleText.length) {
    throw new ConfigError(
      'SWITCHBOARD_RETRY_SCHEDULE_MS must be a comma-separated list of milliseconds (integers ≥ 0)',
    );
  }
  return {
    port: int(env, 'PORT', 3000, { min: 0, max: 65_535 }),
    host: env.HOST || '127.0.0.1',
    databaseUrl: env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/switchboard',
    redisUrl: env.REDIS_URL || 'redis://127.0.0.1:6379',
    redisPrefix: env.SWITCHBOARD_REDIS_PREFIX || 'switchboard',
    rootKey: rootKey(env),
    allowedTargets: list(env, 'SWITCHBOARD_ALLOWED_TARGETS'),
    allowList: allowList(env),
    corsOrigins: list(env, 'SWITCHBOARD_CORS_ORIGINS').length
      ? list(env, 'SWITCHBOARD_CORS_ORIGINS')
      : ['*'],
    logLevel: env.LOG_LEVEL || 'info',
    metricsToken: env.SWITCHBOARD_METRICS_TOKEN || undefined,
    bodyLimit: int(env, 'SWITCHBOARD_BODY_LIMIT', 8 * 1024 * 1024, AT_LEAST_ONE),
    warmUpRequests: int(env, 'SWITCHBOARD_WARM_UP_REQUESTS', 600, { min: 0, max: 100_000 }),
    workerWarmUpDeliveries: int(env, 'SWITCHBOARD_WORKER_WARM_UP_DELIVERIES', 2_000, {
      min: 0,
      max: 100_000,
    }),
    workerNice: int(env, 'SWITCHBOARD_WORKER_NICE', 10, { min: 0, max: 19 }),
    queueConsumerStuckMs: int(env, 'SWITCHBOARD_QUEUE_CONSUMER_STUCK_MS', 30_000, {
      min: 1_000,
      max: 3_600_000,
    }),
    maxPayloadBytes: int(env, 'SWITCHBOARD_MAX_PAYLOAD_BYTES', 256 * 1024, AT_LEAST_ONE),
    limits: {
      maxJsonDepth: int(env, 'SWITCHBOARD_MAX_JSON_DEPTH', 32, AT_LEAST_ONE),
      maxCustomDataBytes: int(env, 'SWITCHBOARD_MAX_CUSTOM_DATA_BYTES', 8 * 1024),
      maxModifiersBytes: int(env, 'SWITCHBOARD_MAX_MODIFIERS_BYTES', 8 * 1024),
      maxExtraPropertiesBytes: int(env, 'SWITCHBOARD_MAX_EXTRA_PROPERTIES_BYTES', 16 * 1024),
      maxUriLength: int(env, 'SWITCHBOARD_MAX_URI_LENGTH', 2048, { min: 1, max: 2048 }),
      maxWebhooksPerAccount: int(env, 'SWITCHBOARD_MAX_WEBHOOKS_PER_ACCOUNT', 100),
      maxAccountDepth: int(env, 'SWITCHBOARD_MAX_ACCOUNT_DEPTH', 8, AT_LEAST_ONE),
      maxPageSize: int(env, 'SWITCHBOARD_MAX_PAGE_SIZE', 1000, AT_LEAST_ONE),
      maxUnpagedResults: int(env, 'SWITCHBOARD_MAX_UNPAGED_RESULTS', 1000, AT_LEAST_ONE),
    },
    delivery: {
      attemptTimeoutMs: int(env, 'SWITCHBOARD_ATTEMPT_TIMEOUT_MS', 5_000, AT_LEAST_ONE),
      retryScheduleMs: schedule.length > 0 ? schedule : [5_000, 30_000, 120_000, 600_000],
      retryJitter: fraction(env, 'SWITCHBOARD_RETRY_JITTER', 0.2),
      autoDisableThreshold: int(env, 'SWITCHBOARD_AUTO_DISABLE_FAILURES', 6),
      autoDisableWindowMs: int(env, 'SWITCHBOARD_AUTO_DISABLE_WINDOW_MS', 60_000, AT_LEAST_ONE),
      concurrency: int(env, 'SWITCHBOARD_WORKER_CONCURRENCY', 200, AT_LEAST_ONE),
      webhookMaxInFlight: int(env, 'SWITCHBOARD_WEBHOOK_MAX_IN_FLIGHT', 128, AT_LEAST_ONE),
      accountMaxInFlight: int(env, 'SWITCHBOARD_ACCOUNT_MAX_IN_FLIGHT', 128, AT_LEAST_ONE),
      circuitFailures: int(env, 'SWITCHBOARD_CIRCUIT_FAILURES', 5, AT_LEAST_ONE),
      circuitOpenMs: int(env, 'SWITCHBOARD_CIRCUIT_OPEN_MS', 30_000),
      circuitMaxOpenMs: int(env, 'SWITCHBOARD_CIRCUIT_MAX_OPEN_MS', 600_000),
      followRedirects: env.SWITCHBOARD_FOLLOW_REDIRECTS === 'true',
      responseBodyLimit: int(env, 'SWITCHBOARD_RESPONSE_BODY_LIMIT', 8 * 1024),
      reconcileIntervalMs: int(env, 'SWITCHBOARD_RECONCILE_INTERVAL_MS', 5_000, AT_LEAST_ONE),
      reconcileGraceMs: int(env, 'SWITCHBOARD_RECONCILE_GRACE_MS', 30_000),
      replayIntervalMs: int(env, 'SWITCHBOARD_REPLAY_INTERVAL_MS', 1_000, AT_LEAST_ONE),
      replayPageSize: int(env, 'SWITCHBOARD_REPLAY_PAGE_SIZE', 1_000, AT_LEAST_ONE),
      retentionDays: int(env, 'SWITCHBOARD_RETENTION_DAYS', 30),
      schedulerPartitions: int(env, 'SWITCHBOARD_SCHEDULER_PARTITIONS', 16, AT_LEAST_ONE),
    },
    invoke: {
      timeoutMs: int(env, 'SWITCHBOARD_INVOKE_TIMEOUT_MS', 3_000, INVOKE_TIMEOUT_BOUNDS),
      answerLimitBytes: int(env, 'SWITCHBOARD_INVOKE_ANSWER_LIMIT_BYTES', 64 * 1024, AT_LEAST_ONE),
    },
    intake: {
      queue: env.SWITCHBOARD_INTAKE_QUEUE || 'switchboard-events',
      concurrency: int(env, 'SWITCHBOARD_INTAKE_CONCURRENCY', 256, AT_LEAST_ONE),
      failedKeep: int(env, 'SWITCHBOARD_INTAKE_FAILED_KEEP', 10_000),
      board: env.SWITCHBOARD_ADMIN_QUEUES !== 'off',
      lockMs: Math.max(1_000, int(env, 'SWITCHBOARD_INTAKE_LOCK_MS', 10_000)),
      maxStalls: int(env, 'SWITCHBOARD_INTAKE_MAX_STALLS', 10),
    },
    console: { frameAncestors: frameAncestors(env), publicUrl: publicUrl(env) },
  };
}

/** For process entry points: the settings, or one line saying what is wrong and exit code 1. */
export function loadConfigOrExit(env: Env = process.env): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`switchboard: ${error.message}`);
    process.exit(1);
  }
}
