import type { FieldProblems } from '../errors.ts';
import type { Format, Verb } from './dialect.ts';
import { DIALECTS, dialectOf, isDialectName, typesCarriedBy } from './registry.ts';
import { ALL_HOOK, eventTypesOfHook } from '../catalogue/hooks.ts';
import { hookOf } from '../catalogue/names.ts';

/**
 * A webhook document's dialect against its verb, format, subscription and custom_data, by that
 * dialect's own rules: a clear 400 for what its receivers cannot take (jambonz only POST JSON or
 * GET, Jaxl only POST JSON with an integer custom_data.pk, jambonz and Jaxl only call events).
 */
export function checkDialect(doc: Record<string, unknown>): FieldProblems | undefined {
  if (doc.dialect === undefined || doc.dialect === null) return undefined;
  const name = dialectOf(doc as { dialect?: string; hook?: string });
  const dialect = DIALECTS[name];
  const details: FieldProblems = {};
  const verb = (doc.http_verb ?? 'post') as Verb;
  const format = (doc.format ?? 'json') as Format;
  if (!dialect.verbs.includes(verb)) {
    details.http_verb = {
      enum: {
        message: `the ${name} dialect is sent with ${dialect.verbs.join(' or ')}`,
        target: [...dialect.verbs],
      },
    };
  } else if (verb !== 'get' && !dialect.formats.includes(format)) {
    details.format = {
      enum: {
        message: `the ${name} dialect is sent as ${dialect.formats.join(' or ')}`,
        target: [...dialect.formats],
      },
    };
  }
  const types = Array.isArray(doc.event_types) ? (doc.event_types as string[]) : [];
  const refused = types.filter((type) => !dialect.carries(type));
  if (refused.length > 0) {
    details.event_types = {
      not_allowed: {
        message: `the ${name} dialect cannot carry ${refused.join(', ')}`,
        target: typesCarriedBy(name),
      },
    };
  }
  const hook = typeof doc.hook === 'string' ? doc.hook : undefined;
  // A hook is carried when at least one event type it covers is.
  if (hook !== undefined && hook !== ALL_HOOK && !eventTypesOfHook(hook).some(dialect.carries)) {
    details.hook = {
      not_allowed: {
        message: `the ${name} dialect cannot carry the ${hook} hook's events`,
        target: typesCarriedBy(name).filter((type) => hookOf(type) === type),
      },
    };
  }
  const customData =
    doc.custom_data !== null && typeof doc.custom_data === 'object'
      ? (doc.custom_data as Record<string, unknown>)
      : {};
  for (const [key, rule] of Object.entries(dialect.customDataRules)) {
    const given = Object.hasOwn(customData, key) && customData[key] !== null;
    if (!given && rule.default === undefined) {
      details[`custom_data.${key}`] = { required: { message: rule.message } };
    } else if (given && !rule.valid(customData[key])) {
      details[`custom_data.${key}`] = { type: { message: rule.message } };
    }
  }
  return Object.keys(details).length > 0 ? details : undefined;
}

/**
 * Other spellings of `dialect` in a webhook document, as integrations name it: `profile`, or a
 * dialect's name in `format` (`"format": "jambonz"` is a JSON webhook of that dialect). Written
 * as `dialect` (and `format: "json"`) before the schema judges the document; a spelling that
 * contradicts an explicit `dialect` is left alone for the schema to refuse.
 */
export function spellDialect(data: Record<string, unknown>): Record<string, unknown> {
  const out = { ...data };
  if (isDialectName(out.profile) && (out.dialect === undefined || out.dialect === out.profile)) {
    out.dialect = out.profile;
    delete out.profile;
  }
  if (isDialectName(out.format) && (out.dialect === undefined || out.dialect === out.format)) {
    out.dialect = out.format;
    out.format = 'json';
  }
  return out;
}
