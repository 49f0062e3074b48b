import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../paths.ts';
import type { RedisClient } from '../../redis.ts';
import type { PartitionKey, PartitionKeys } from './keys.ts';

/**
 * The scheduler's atomic transitions, one Lua file each in `lua/` (docs/delivery-scheduling.md
 * explains the design). A file is named `<script>-<number of keys>.lua`, as BullMQ names its
 * commands, and its header lists KEYS, ARGV and the result. Every key a script touches is passed
 * in KEYS, all from one partition (one hash slot), so the scripts run unchanged on a Redis Cluster.
 * Shared functions live in `lua/includes/` and are pulled in by a `--- @include "name"` line.
 */

const LUA_DIR = path.join(PROJECT_ROOT, 'src/delivery/scheduler/lua');

/** The scripts, with the partition keys each is given, in KEYS order. */
export const SCRIPTS = {
  push: ['ready', 'queue', 'index', 'claims', 'config', 'calls', 'callQueue', 'callHolders'],
  take: [
    'ready',
    'queue',
    'index',
    'claims',
    'running',
    'accountRunning',
    'held',
    'config',
    'pace',
    'circuits',
    'open',
    'counters',
    'calls',
  ],
  release: [
    'ready',
    'queue',
    'index',
    'claims',
    'running',
    'accountRunning',
    'held',
    'circuits',
    'open',
    'counters',
    'calls',
    'callQueue',
    'callHolders',
  ],
  forget: [
    'ready',
    'queue',
    'index',
    'config',
    'pace',
    'circuits',
    'open',
    'calls',
    'callQueue',
    'callHolders',
  ],
  state: [
    'index',
    'claims',
    'running',
    'accountRunning',
    'config',
    'pace',
    'circuits',
    'calls',
    'callQueue',
  ],
  peek: ['ready'],
} as const satisfies Record<string, readonly PartitionKey[]>;

export type ScriptName = keyof typeof SCRIPTS;

export function scriptFile(name: ScriptName): string {
  return path.join(LUA_DIR, `${name}-${SCRIPTS[name].length}.lua`);
}

const INCLUDE = /^--- @include "([\w-]+)"$/gm;

/** A script's source with its includes in place. */
export function scriptSource(name: ScriptName): string {
  return readFileSync(scriptFile(name), 'utf8').replace(INCLUDE, (_, include: string) =>
    readFileSync(path.join(LUA_DIR, 'includes', `${include}.lua`), 'utf8'),
  );
}

/** The ioredis command a script is defined as. */
function commandName(name: ScriptName): string {
  return `sbScheduler_${name}`;
}

type ScriptCall = (...keysThenArgs: (string | number)[]) => Promise<unknown>;

/**
 * Defines the scripts on `redis` (EVALSHA, loading them on first use) and returns a caller that
 * runs one against a partition's keys.
 */
export function schedulerScripts(redis: RedisClient) {
  const commands = redis as unknown as Record<string, ScriptCall>;
  for (const name of Object.keys(SCRIPTS) as ScriptName[]) {
    if (!(commandName(name) in redis)) {
      redis.defineCommand(commandName(name), {
        numberOfKeys: SCRIPTS[name].length,
        lua: scriptSource(name),
      });
    }
  }
  return function run<T>(
    name: ScriptName,
    keys: PartitionKeys,
    ...args: (string | number)[]
  ): Promise<T> {
    const declared = SCRIPTS[name].map((key) => keys[key]);
    return commands[commandName(name)](...declared, ...args) as Promise<T>;
  };
}
