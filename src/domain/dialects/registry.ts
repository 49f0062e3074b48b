import type { CallSourceDialect, Dialect } from './dialect.ts';
import { kazoo } from './kazoo.ts';
import { voipbin } from './voipbin.ts';
import { standard } from './standard.ts';
import { jambonz } from './jambonz.ts';
import { jaxl } from './jaxl.ts';
import { EVENT_TYPE_NAMES } from '../catalogue/event-types.ts';

/** Every dialect, by the name a webhook's `dialect` gives: the one list of them. */
export const DIALECTS = { kazoo, voipbin, standard, jambonz, jaxl } satisfies Record<
  string,
  Dialect
>;

export type DialectName = keyof typeof DIALECTS;

/** The names a webhook's `dialect` accepts, in the catalogue's order. */
export const DIALECT_NAMES = Object.keys(DIALECTS) as DialectName[];

/**
 * The dialects whose platforms publish calls, in the order a call payload is recognised: by the
 * fields only that platform uses, the most telling first (jambonz's call_sid, VoIPBIN's
 * source/destination objects, Kazoo's call_id with caller/callee fields).
 */
export const CALL_SOURCES: readonly CallSourceDialect[] = [jambonz, voipbin, kazoo];

export function isDialectName(value: unknown): value is DialectName {
  return typeof value === 'string' && Object.hasOwn(DIALECTS, value);
}

/** The dialect a webhook speaks: the one it names, else kazoo for `hook`, voipbin for `event_types`. */
export function dialectOf(webhook: { dialect?: string | null; hook?: string | null }): DialectName {
  if (isDialectName(webhook.dialect)) return webhook.dialect;
  return webhook.hook !== null && webhook.hook !== undefined ? 'kazoo' : 'voipbin';
}

/** The dialect object of a webhook, to shape, sign and name its events with. */
export function dialectFor(webhook: { dialect?: string | null; hook?: string | null }): Dialect {
  return DIALECTS[dialectOf(webhook)];
}

export function dialectCarries(dialect: DialectName, type: string): boolean {
  return DIALECTS[dialect].carries(type);
}

/** The dialects that can carry an event type, for the catalogue. */
export function dialectsCarrying(type: string): DialectName[] {
  return DIALECT_NAMES.filter((name) => DIALECTS[name].carries(type));
}

/** The event types a dialect can carry, for the catalogue. */
export function typesCarriedBy(dialect: DialectName): string[] {
  return EVENT_TYPE_NAMES.filter((type) => DIALECTS[dialect].carries(type));
}
