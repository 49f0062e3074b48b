import { describe, expect, it } from 'vitest';
import {
  CALL_SOURCES,
  DIALECTS,
  DIALECT_NAMES,
  dialectFor,
  isDialectName,
} from '../../src/domain/dialects/registry.ts';
import { readCallEvent } from '../../src/domain/dialects/read-call.ts';
import { EVENT_TYPES } from '../../src/domain/catalogue/event-types.ts';

const EVENT = {
  id: 'e1',
  type: 'call_hungup',
  accountId: 'a1',
  payload: EVENT_TYPES.find((entry) => entry.type === 'call_hungup')!.sample,
  created: new Date('2026-11-23T10:00:00.000Z'),
};

/** A webhook of `name`, subscribed to call_hungup, with what the dialect requires. */
function subscriber(name: string) {
  const required = Object.entries(DIALECTS[name as keyof typeof DIALECTS].customDataRules);
  return {
    hook: null,
    eventTypes: ['call_hungup'],
    customData: required.length
      ? Object.fromEntries(required.map(([k, n]) => [k, n.example]))
      : null,
    dialect: name,
  };
}

describe('the dialect registry', () => {
  it('lists the dialects a webhook may name, in the catalogue order', () => {
    expect(DIALECT_NAMES).toEqual(['kazoo', 'voipbin', 'standard', 'jambonz', 'jaxl']);
  });

  it.each(DIALECT_NAMES)('%s: one object with its rules, shape, names and signature', (name) => {
    const dialect = DIALECTS[name];
    expect(dialect.name).toBe(name);
    expect(dialect.description.length).toBeGreaterThan(0);
    expect(dialect.verbs.length).toBeGreaterThan(0);
    expect(dialect.formats).toContain('json');
    expect(dialect.carries('call_hungup')).toBe(true);
    for (const need of Object.values(dialect.customDataRules)) {
      expect(need.valid(need.example)).toBe(true);
      expect(need.valid(undefined)).toBe(false);
    }
    const webhook = subscriber(name);
    const call = readCallEvent(EVENT);
    expect(dialect.shape({ event: EVENT, webhook, call })).toBeTypeOf('object');
    expect(dialect.eventName('call_hungup', webhook)).toMatch(/^(call_hungup|channel_destroy)$/);
    const headers = dialect.signatureHeaders({
      secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
      timestamp: 1_795_428_000,
      method: 'POST',
      body: '{}',
    });
    expect(Object.keys(headers)).toEqual(name === 'jambonz' ? ['jambonz-signature'] : []);
  });

  it.each<[string, object, string]>([
    ['names one', { dialect: 'jaxl', hook: 'all' }, 'jaxl'],
    ['has a hook', { hook: 'channel_create' }, 'kazoo'],
    ['lists event types', { hook: null }, 'voipbin'],
    ['names an unknown one', { dialect: 'toString', hook: null }, 'voipbin'],
  ])('a webhook that %s speaks %s', (_name, webhook, expected) => {
    expect(dialectFor(webhook).name).toBe(expected);
  });

  it.each([
    ['jambonz', true],
    ['kazoo', true],
    ['__proto__', false],
    ['constructor', false],
    ['', false],
    [undefined, false],
  ])('isDialectName(%j) is %s', (value, expected) => {
    expect(isDialectName(value)).toBe(expected);
  });

  it('reads calls of the platforms that publish them, the most telling shape first', () => {
    expect(CALL_SOURCES.map((dialect) => dialect.name)).toEqual(['jambonz', 'voipbin', 'kazoo']);
    expect(readCallEvent(EVENT)).toMatchObject({ phase: 'hungup', shape: 'voipbin' });
    expect(readCallEvent({ ...EVENT, type: 'message_created' })).toBeUndefined();
  });
});
