import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { FastifyReply } from 'fastify';

/** A file of the built console, held in memory: a handful of small files, read once. */
export interface ConsoleAsset {
  body: Buffer;
  type: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

/**
 * The built console (`npm run build` writes it to dist/console), by its path under /console/.
 * Only files that exist at start are served, so no request path ever reaches the file system.
 * Source maps are left out. Empty when the console was not built.
 */
export function loadConsoleAssets(dir: string): Map<string, ConsoleAsset> {
  const assets = new Map<string, ConsoleAsset>();
  if (!existsSync(dir)) return assets;
  const walk = (at: string) => {
    for (const name of readdirSync(at)) {
      const file = path.join(at, name);
      if (statSync(file).isDirectory()) walk(file);
      else {
        const type = TYPES[path.extname(name)];
        if (type) {
          const key = path.relative(dir, file).split(path.sep).join('/');
          assets.set(key, { body: readFileSync(file), type });
        }
      }
    }
  };
  walk(dir);
  return assets;
}

/**
 * The console's Content-Security-Policy: its own files only — no inline script or style, no other
 * origin, no plugin — and framed only by `frameAncestors` (a reseller's portal may embed it).
 */
export function consolePolicy(frameAncestors: string[]): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    `frame-ancestors ${frameAncestors.join(' ')}`,
  ].join('; ');
}

/** Sends one console file with the headers every console answer carries. */
export function sendConsoleAsset(
  reply: FastifyReply,
  asset: ConsoleAsset,
  frameAncestors: string[],
): FastifyReply {
  reply
    .header('content-type', asset.type)
    .header('content-security-policy', consolePolicy(frameAncestors))
    .header('x-content-type-options', 'nosniff')
    // A console link's token is in the URL's fragment; no referrer leaves with the page anyway.
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-cache');
  // Older browsers know only X-Frame-Options, which cannot name other origins.
  if (frameAncestors.length === 1 && frameAncestors[0] === "'none'") {
    reply.header('x-frame-options', 'DENY');
  } else if (frameAncestors.length === 1 && frameAncestors[0] === "'self'") {
    reply.header('x-frame-options', 'SAMEORIGIN');
  }
  return reply.send(asset.body);
}
