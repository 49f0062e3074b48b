import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../paths.ts';
import type { RedisClient } from '../../redis.ts';
import { PARTITION_KEYS, type PartitionKey, type PartitionKeys } from './keys.ts';

/**
 * The scheduler's atomic transitions, one Lua file each in `lua/` (docs/delivery-scheduling.md
 * explains the design). A file is named `<script>-<number of keys>.lua`, as BullMQ names its
 * commands, and its header lists KEYS, ARGV and the result. Every key a script touches is passed
 * in KEYS, all from one partition (one hash slot), so the scripts run unchanged on a Redis Cluster.
 * Shared functions live in `lua/includes/` and are pulled in by a `--- @include "name"` line.
 */

const LUA_DIR = path.join(PROJECT_ROOT, 'src/delivery/scheduler/lua');

/** The scripts, by the name their file starts with. */
const SCRIPT_NAMES = ['push', 'take', 'release', 'renew', 'forget', 'state', 'peek'] as const;

export type ScriptName = (typeof SCRIPT_NAMES)[number];

/** A script's file: `<name>-<number of keys>.lua`. */
export function scriptFile(name: ScriptName): string {
  const file = readdirSync(LUA_DIR).find((f) => new RegExp(`^${name}-\\d+\\.lua$`).test(f));
  if (!file) throw new Error(`no Lua file for the scheduler script ${name} in ${LUA_DIR}`);
  return path.join(LUA_DIR, file);
}

/**
 * The partition keys a script is given, in KEYS order, read from its header (`KEYS[n] name`): the
 * header is the one place a script's keys are declared. A header that skips a number, names
 * anything but a partition key, or disagrees with the file name's count stops the process.
 */
function declaredKeys(name: ScriptName): PartitionKey[] {
  const file = scriptFile(name);
  const header = readFileSync(file, 'utf8').split(']]')[0];
  const keys = [...header.matchAll(/KEYS\[(\d+)\] (\w+)/g)].map(([, n, key], i) => {
    if (Number(n) !== i + 1 || !(PARTITION_KEYS as readonly string[]).includes(key)) {
      throw new Error(`${file}: KEYS[${n}] ${key} is not partition key number ${i + 1}`);
    }
    return key as PartitionKey;
  });
  if (keys.length !== Number(/-(\d+)\.lua$/.exec(file)![1])) {
    throw new Error(`${file}: its header lists ${keys.length} KEYS`);
  }
  return keys;
}

/** The scripts, with the partition keys each is given, in KEYS order. */
export const SCRIPTS = {} as Record<ScriptName, readonly PartitionKey[]>;
for (const name of SCRIPT_NAMES) SCRIPTS[name] = declaredKeys(name);

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
