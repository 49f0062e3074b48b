/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`, e.g. `BENCH_PROFILE=1 npm run bench`):
 * self time by function, by package / source file, and inclusive time of the project's own
 * functions. Usage: `npx tsx bench/profile-summary.ts <file.cpuprofile> [top]`.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { markdownTable } from './lib.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Where a frame's code comes from: an npm package, a project file, node internals, or V8. */
export function origin(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return 'node: internals';
  const own = /\/((?:src|bench|workers)\/.+)$/.exec(url);
  return own ? own[1] : url;
}

export function summarise(file: string, top = 20): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) =>
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)),
  );
  const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const idleUs = [...selfUs]
    .filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)')
    .reduce((a, [, us]) => a + us, 0);
  const busyUs = totalUs - idleUs;

  const label = (n: ProfileNode) => {
    const where = origin(n.callFrame.url, n.callFrame.functionName);
    const name = n.callFrame.functionName || '(anonymous)';
    return where === name ? name : `${name} — ${where}:${n.callFrame.lineNumber + 1}`;
  };
  const add = (map: Map<string, number>, key: string, us: number) =>
    map.set(key, (map.get(key) ?? 0) + us);
  const byFunction = new Map<string, number>();
  const byOrigin = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node || node.callFrame.functionName === '(idle)') continue;
    add(byFunction, label(node), us);
    add(byOrigin, origin(node.callFrame.url, node.callFrame.functionName), us);
  }

  // Inclusive time of project functions: every sample counts once per distinct project frame on its stack.
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const node = byId.get(cur);
      if (
        !node ||
        !/\/(src|workers)\//.test(node.callFrame.url) ||
        /\/src\/generated\//.test(node.callFrame.url)
      )
        continue;
      const key = label(node);
      if (!seen.has(key)) {
        seen.add(key);
        add(inclusive, key, us);
      }
    }
  }

  // Native and node-internal time (socket writes, crypto…) charged to the nearest caller that is
  // a package or a project file, which is where a change would have to be made.
  const byOwner = new Map<string, number>();
  const generic = (o: string) =>
    o === '(native)' || o === 'node: internals' || o === '(program)' || o === 'tslib';
  for (const [id, us] of selfUs) {
    let node = byId.get(id);
    if (!node || node.callFrame.functionName === '(idle)') continue;
    let owner = origin(node.callFrame.url, node.callFrame.functionName);
    for (let cur = parent.get(id); generic(owner) && cur !== undefined; cur = parent.get(cur)) {
      node = byId.get(cur);
      if (node) owner = origin(node.callFrame.url, node.callFrame.functionName);
    }
    add(byOwner, generic(owner) || owner === '(root)' ? '(unattributed)' : owner, us);
  }

  const pct = (us: number) => `${((us / busyUs) * 100).toFixed(1)} %`;
  const ms = (us: number) => `${(us / 1000).toFixed(0)} ms`;
  const rows = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => [k.replaceAll('|', '\\|'), ms(us), pct(us)]);
  return [
    `Profile ${file}: ${ms(totalUs)} sampled, ${ms(busyUs)} busy (${((busyUs / totalUs) * 100).toFixed(0)} % of the main thread), idle ${ms(idleUs)}.`,
    '',
    '**Self time by package / file**',
    '',
    markdownTable(['origin', 'self', 'of busy'], rows(byOrigin)),
    '',
    '**Self time with native / node-internal frames charged to their calling package or file**',
    '',
    markdownTable(['owner', 'self', 'of busy'], rows(byOwner)),
    '',
    '**Self time by function**',
    '',
    markdownTable(['function', 'self', 'of busy'], rows(byFunction)),
    '',
    '**Inclusive time of project functions**',
    '',
    markdownTable(['function', 'inclusive', 'of busy'], rows(inclusive)),
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    console.error('usage: tsx bench/profile-summary.ts <file.cpuprofile> [top]');
    process.exit(2);
  }
  console.log(summarise(file, Number(top) || 20));
}
