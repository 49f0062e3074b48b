import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  hashSlot,
  PARTITION_KEYS,
  partitionKeys,
  partitionTag,
} from '../../src/delivery/scheduler/keys.ts';
import {
  SCRIPTS,
  scriptFile,
  scriptSource,
  type ScriptName,
} from '../../src/delivery/scheduler/scripts.ts';

/** The scheduler's Lua, read as text: every key a script touches is one it was handed in KEYS. */
const names = Object.keys(SCRIPTS) as ScriptName[];
const alias = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
/** Commands whose first argument is not a key. */
const KEYLESS = new Set(['TIME', 'PUBLISH']);

describe('the scheduler’s scripts declare every key they touch', () => {
  it.each(names)('%s: its header declares its KEYS, as many as its file name says', (name) => {
    const header = readFileSync(scriptFile(name), 'utf8').split(']]')[0];
    const listed = [...header.matchAll(/KEYS\[(\d+)\] (\w+)/g)].map((m) => [Number(m[1]), m[2]]);
    // What the scheduler passes is what the header says, in its order.
    expect(SCRIPTS[name].map((key, i) => [i + 1, key])).toEqual(listed);
    expect(listed.length).toBe(Number(/-(\d+)\.lua$/.exec(scriptFile(name))![1]));
    for (const key of SCRIPTS[name]) expect(PARTITION_KEYS).toContain(key);
  });

  it.each(names)('%s: each key argument of redis.call is a KEYS alias', (name) => {
    const source = scriptSource(name);
    const aliases = new Map<string, number>();
    for (const m of source.matchAll(/^local ([\w, ]+) = (KEYS\[\d+\](?:, KEYS\[\d+\])*)$/gm)) {
      const locals = m[1].split(',').map((s) => s.trim());
      const indexes = [...m[2].matchAll(/KEYS\[(\d+)\]/g)].map((k) => Number(k[1]));
      locals.forEach((local, i) => aliases.set(local, indexes[i]));
    }
    // Each alias names the key it holds.
    for (const [local, index] of aliases) expect(local).toBe(alias(SCRIPTS[name][index - 1]));
    const calls = [...source.matchAll(/redis\.call\('(\w+)',?\s*([^,)]*)/g)];
    expect(calls.length).toBeGreaterThan(0);
    for (const [, command, firstArg] of calls) {
      if (KEYLESS.has(command)) continue;
      expect(aliases.has(firstArg.trim()), `${command} ${firstArg}`).toBe(true);
    }
  });

  it('a partition’s keys share one hash tag, so a script’s keys are in one cluster slot', () => {
    const keys = Object.values(partitionKeys('switchboard', 7, 16));
    expect(keys).toHaveLength(PARTITION_KEYS.length);
    const tag = partitionTag(7, 16);
    expect(tag).toMatch(/^p:7(:\d+)?$/);
    for (const key of keys) expect(/\{(.*?)\}/.exec(key)?.[1]).toBe(tag);
  });

  it('computes hash slots as Redis Cluster does (CLUSTER KEYSLOT of {p:0}, {p:3}, {p:10})', () => {
    expect([hashSlot('p:0'), hashSlot('p:3'), hashSlot('p:10')]).toEqual([1029, 13414, 230]);
    expect(hashSlot('123456789')).toBe(0x31c3); // CRC16/XMODEM's check value
  });

  it.each([1, 3, 16, 64])('spreads %i partitions evenly over the hash slots', (partitions) => {
    const slots = Array.from({ length: partitions }, (_, p) =>
      hashSlot(partitionTag(p, partitions)),
    );
    slots.forEach((slot, p) => {
      expect(slot).toBeGreaterThanOrEqual(Math.floor((p * 16384) / partitions));
      expect(slot).toBeLessThan(Math.floor(((p + 1) * 16384) / partitions));
    });
  });
});
