import type { Scope } from './scopes.ts';

/**
 * A console link: a short-lived token a parent account mints so that someone can open the console
 * on one of its accounts without holding an API key (docs/console.md).
 */
export const CONSOLE_MODES = ['read', 'manage'] as const;
export type ConsoleMode = (typeof CONSOLE_MODES)[number];

/** How long a link works, seconds: minutes, not hours. Default 15 minutes. */
export const CONSOLE_TTL_SECONDS = { min: 60, max: 3600, default: 900 } as const;

/** What a link of each mode may do: `read` is every GET; `manage` adds every write. */
export function scopesOfMode(mode: ConsoleMode): Scope[] {
  return mode === 'manage' ? ['read', 'manage'] : ['read'];
}
