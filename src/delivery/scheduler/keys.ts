/**
 * Every Redis key the scheduler uses, named in one place (docs/delivery-scheduling.md).
 *
 * The lines are split into partitions. A partition's keys share the hash tag `{p:N}`, so on a
 * Redis Cluster each partition lives in one hash slot (one shard) and every script works within
 * one partition: it is handed all the keys it touches, and they are all in that slot. A webhook's
 * partition is chosen by its account, so all the webhooks of one account share a partition and the
 * account's cap on deliveries in flight is checked atomically, by one script, on one shard.
 */

/** The keys of one partition, as the scripts name them. Each is a single Redis key. */
export const PARTITION_KEYS = [
  /** zset  webhook → the earliest time it may be served (ms); the lowest due score goes next. */
  'ready',
  /**
   * zset  every waiting delivery of the partition, all scored 0 and ordered by member
   * `webhook|due(15 digits, ms)|delivery`: a webhook's line is the lexical range `[webhook|`,
   * its head the first member.
   */
  'queue',
  /** hash  delivery → its member in `queue` (finds a waiting delivery by id). */
  'index',
  /** zset  `webhook|account|delivery` of every delivery in flight → when its claim expires (ms). */
  'claims',
  /**
   * hash  `webhook|account|delivery` → the run holding that claim (the take that made it): a
   * report or renewal of an earlier run of the same delivery leaves a later run's claim alone.
   */
  'claimRuns',
  /** hash  webhook → deliveries in flight. */
  'running',
  /** hash  account → deliveries of its webhooks in flight. */
  'accountRunning',
  /** zset  `account|webhook` (scores 0): webhooks held back by their account's cap. */
  'held',
  /** hash  webhook → `account|cap|rate` (empty: the default). */
  'config',
  /** hash  webhook → its rate limit's theoretical arrival time (GCRA, ms). */
  'pace',
  /** hash  webhook → its circuit `state|until|failures|opens` (absent: closed). */
  'circuits',
  /** zset  webhook → until, for circuits open or half open. */
  'open',
  /**
   * hash  counters: `opened` (circuits opened), `claimsExpired` (deliveries an expired claim put
   * back in line), `runs` (takes so far: each names the runs it starts).
   */
  'counters',
  /** hash  delivery → `call|seq`, for every delivery ordered by call that Redis knows (lua/includes/calls.lua). */
  'calls',
  /** zset  `webhook|call|seq|delivery` (scores 0): deliveries waiting for their call's holder to end. */
  'callQueue',
  /** zset  `webhook|call|seq|delivery` (scores 0): each call's holder (in line, in flight or waiting for a retry). */
  'callHolders',
] as const;

export type PartitionKey = (typeof PARTITION_KEYS)[number];

export type PartitionKeys = Record<PartitionKey, string>;

/** The keys of partition `partition` (of `partitions`) under `redisPrefix`. */
export function partitionKeys(
  redisPrefix: string,
  partition: number,
  partitions: number,
): PartitionKeys {
  const base = `${redisPrefix}:sched:{${partitionTag(partition, partitions)}}:`;
  return Object.fromEntries(PARTITION_KEYS.map((name) => [name, base + name])) as PartitionKeys;
}

/** The pub/sub channel on which a push announces new work; the message is the partition. */
export function wakeChannel(redisPrefix: string): string {
  return `${redisPrefix}:sched:wake`;
}

/**
 * The partition of an account's webhooks: FNV-1a of the account id, modulo the partitions. Pure
 * and stable, so every process (API and workers) agrees without asking Redis.
 */
export function partitionOf(accountId: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < accountId.length; i++) {
    hash ^= accountId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % partitions;
}

/** Redis Cluster's hash slots. */
const SLOTS = 16_384;

/** The hash slot of a key's tag: CRC16 (XMODEM), as Redis Cluster computes it. */
export function hashSlot(tag: string): number {
  let crc = 0;
  for (const byte of Buffer.from(tag)) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % SLOTS;
}

const tags = new Map<string, string>();

/**
 * The hash tag of a partition: `p:N`, or `p:N:k` with the smallest k that puts it in the N-th of
 * `partitions` equal ranges of hash slots. A cluster's shards own ranges of slots, so partitions
 * spread evenly over them (plain `p:0`…`p:15` would put ten of sixteen on the first of three).
 */
export function partitionTag(partition: number, partitions: number): string {
  const cached = tags.get(`${partition}/${partitions}`);
  if (cached) return cached;
  const from = Math.floor((partition * SLOTS) / partitions);
  const to = Math.floor(((partition + 1) * SLOTS) / partitions);
  let tag = `p:${partition}`;
  for (let k = 1; partitions <= SLOTS; k++) {
    const slot = hashSlot(tag);
    if (slot >= from && slot < to) break;
    tag = `p:${partition}:${k}`;
  }
  tags.set(`${partition}/${partitions}`, tag);
  return tag;
}
