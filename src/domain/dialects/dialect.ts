import type { FieldProblems } from '../errors.ts';
import { EVENT_TYPE_NAMES, callPhaseOf } from '../catalogue/event-types.ts';
import { ALL_HOOK, eventTypesOfHook } from '../catalogue/hooks.ts';
import { hookOf } from '../catalogue/names.ts';
import { JAXL_EVENT, jaxlPk } from './jaxl-call.ts';

/**
 * Dialects (docs/dialects.md): the body shape and signatures a webhook's receiver expects. One
 * entry per dialect says which verbs and formats it can be sent with and which events it can carry;
 * the shaping and signing code reads these rules, never the dialect's name.
 */

export const DIALECT_NAMES = ['kazoo', 'voipbin', 'standard', 'jambonz', 'jaxl'] as const;
export type Dialect = (typeof DIALECT_NAMES)[number];

type Verb = 'get' | 'post' | 'put';
type Format = 'json' | 'form-data';

export interface DialectRule {
  name: Dialect;
  description: string;
  verbs: readonly Verb[];
  /** Formats a POST/PUT may use (GET sends a query string whatever the format). */
  formats: readonly Format[];
  /** Can a receiver of this dialect be sent this event type? */
  carries(type: string): boolean;
  /**
   * custom_data keys this dialect's body needs: what makes a value acceptable, and a value a
   * sample may show.
   */
  requiredCustomData?: Record<
    string,
    { valid: (value: unknown) => boolean; message: string; example: unknown }
  >;
}

const everything = () => true;
const callEvents = (type: string) => callPhaseOf(type) !== undefined;
const jaxlEvents = (type: string) => {
  const phase = callPhaseOf(type);
  return phase !== undefined && JAXL_EVENT[phase] !== undefined;
};

export const DIALECTS: Record<Dialect, DialectRule> = {
  kazoo: {
    name: 'kazoo',
    description: "Kazoo's flat payload: JSON, form-data or a GET query string",
    verbs: ['get', 'post', 'put'],
    formats: ['json', 'form-data'],
    carries: everything,
  },
  voipbin: {
    name: 'voipbin',
    description: "VoIPBIN's {type, data} envelope, call events as VoIPBIN's call resource",
    verbs: ['get', 'post', 'put'],
    formats: ['json', 'form-data'],
    carries: everything,
  },
  standard: {
    name: 'standard',
    description: 'Standard Webhooks JSON envelope {type, timestamp, data}',
    verbs: ['post', 'put'],
    formats: ['json'],
    carries: everything,
  },
  jambonz: {
    name: 'jambonz',
    description: "jambonz's call-status payload, POST JSON or GET query, with Jambonz-Signature",
    verbs: ['post', 'get'],
    formats: ['json'],
    carries: callEvents,
  },
  jaxl: {
    name: 'jaxl',
    description: "Jaxl's webhook request {pk, event, state, option, data}, POST JSON",
    verbs: ['post'],
    formats: ['json'],
    carries: jaxlEvents,
    // jaxl-python's request model requires an integer pk: the flow id the receiver expects.
    requiredCustomData: {
      pk: {
        valid: (value) => jaxlPk(value) !== undefined,
        message: "the jaxl dialect needs custom_data.pk, the receiver's Jaxl flow id (an integer)",
        example: 1,
      },
    },
  },
};

/** The dialect a webhook speaks: the one it names, else kazoo for `hook`, voipbin for `event_types`. */
export function dialectOf(webhook: { dialect?: string | null; hook?: string | null }): Dialect {
  const named = DIALECT_NAMES.find((name) => name === webhook.dialect);
  if (named) return named;
  return webhook.hook !== null && webhook.hook !== undefined ? 'kazoo' : 'voipbin';
}

export function dialectCarries(dialect: Dialect, type: string): boolean {
  return DIALECTS[dialect].carries(type);
}

/** The event types each dialect can carry, for the catalogue. */
export function dialectsCarrying(type: string): Dialect[] {
  return DIALECT_NAMES.filter((name) => DIALECTS[name].carries(type));
}

export function typesCarriedBy(dialect: Dialect): string[] {
  return EVENT_TYPE_NAMES.filter((type) => DIALECTS[dialect].carries(type));
}

/**
 * A webhook document's dialect against its verb, format and subscription: a clear 400 for what
 * the dialect's receivers cannot take (jambonz only POST JSON or GET, Jaxl only POST JSON, jambonz
 * and Jaxl only call events).
 */
export function checkDialect(doc: Record<string, unknown>): FieldProblems | undefined {
  if (doc.dialect === undefined || doc.dialect === null) return undefined;
  const rule = DIALECTS[dialectOf(doc as { dialect?: string; hook?: string })];
  const details: FieldProblems = {};
  const verb = (doc.http_verb ?? 'post') as Verb;
  const format = (doc.format ?? 'json') as Format;
  if (!rule.verbs.includes(verb)) {
    details.http_verb = {
      enum: {
        message: `the ${rule.name} dialect is sent with ${rule.verbs.join(' or ')}`,
        target: [...rule.verbs],
      },
    };
  } else if (verb !== 'get' && !rule.formats.includes(format)) {
    details.format = {
      enum: {
        message: `the ${rule.name} dialect is sent as ${rule.formats.join(' or ')}`,
        target: [...rule.formats],
      },
    };
  }
  const types = Array.isArray(doc.event_types) ? (doc.event_types as string[]) : [];
  const refused = types.filter((type) => !rule.carries(type));
  if (refused.length > 0) {
    details.event_types = {
      not_allowed: {
        message: `the ${rule.name} dialect cannot carry ${refused.join(', ')}`,
        target: typesCarriedBy(rule.name),
      },
    };
  }
  const hook = typeof doc.hook === 'string' ? doc.hook : undefined;
  if (hook !== undefined && hook !== ALL_HOOK && !hookCarried(rule, hook)) {
    details.hook = {
      not_allowed: {
        message: `the ${rule.name} dialect cannot carry the ${hook} hook's events`,
        target: typesCarriedBy(rule.name).filter((type) => hookOf(type) === type),
      },
    };
  }
  const customData =
    doc.custom_data !== null && typeof doc.custom_data === 'object'
      ? (doc.custom_data as Record<string, unknown>)
      : {};
  for (const [key, need] of Object.entries(rule.requiredCustomData ?? {})) {
    if (!Object.hasOwn(customData, key) || !need.valid(customData[key])) {
      details[`custom_data.${key}`] = { required: { message: need.message } };
    }
  }
  return Object.keys(details).length > 0 ? details : undefined;
}

/** A hook is carried when at least one event type of that hook is. */
function hookCarried(rule: DialectRule, hook: string): boolean {
  return eventTypesOfHook(hook).some((type) => rule.carries(type));
}

function isDialect(value: unknown): value is Dialect {
  return typeof value === 'string' && (DIALECT_NAMES as readonly string[]).includes(value);
}

/**
 * Other spellings of `dialect` in a webhook document, as integrations name it: `profile`, or a
 * dialect's name in `format` (`"format": "jambonz"` is a JSON webhook of that dialect). Written
 * as `dialect` (and `format: "json"`) before the schema judges the document; a spelling that
 * contradicts an explicit `dialect` is left alone for the schema to refuse.
 */
export function spellDialect(data: Record<string, unknown>): Record<string, unknown> {
  const out = { ...data };
  if (isDialect(out.profile) && (out.dialect === undefined || out.dialect === out.profile)) {
    out.dialect = out.profile;
    delete out.profile;
  }
  if (isDialect(out.format) && (out.dialect === undefined || out.dialect === out.format)) {
    out.dialect = out.format;
    out.format = 'json';
  }
  return out;
}
