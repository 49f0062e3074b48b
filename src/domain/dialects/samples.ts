import { isHookId, sampleEvent } from '../catalogue.ts';
import { shapePayload } from '../payload.ts';
import { DIALECTS, type Dialect } from './dialect.ts';

/** The account and time every sample shows, so a sample reads the same on every call. */
const SAMPLE_ACCOUNT = '4a6d9f1e8c2b4c7d9e0f1a2b3c4d5e6f';
const SAMPLE_TIME = new Date('2026-01-01T12:00:00.000Z');

/**
 * The body a `dialect` subscriber of a hook or event type receives for its sample event, shaped
 * by the same code as every delivery (before custom_data). `undefined` for an unknown id;
 * `'not_carried'` when that dialect's receivers are never sent such events.
 */
export function sampleInDialect(
  id: string,
  dialect: Dialect,
): Record<string, unknown> | 'not_carried' | undefined {
  const event = sampleEvent(id);
  if (!event) return undefined;
  if (!DIALECTS[dialect].carries(event.type)) return 'not_carried';
  // Subscribed as the id says: to a Kazoo hook, or to an event type by name.
  const hook = isHookId(id) ? id : null;
  return shapePayload({
    event: { ...event, id: 'sample-event', accountId: SAMPLE_ACCOUNT, created: SAMPLE_TIME },
    // custom_data holds only what the dialect requires of every webhook (Jaxl's pk).
    webhook: { hook, eventTypes: hook ? [] : [id], customData: requiredExamples(dialect), dialect },
  });
}

function requiredExamples(dialect: Dialect): Record<string, unknown> | null {
  const required = Object.entries(DIALECTS[dialect].requiredCustomData ?? {});
  return required.length > 0
    ? Object.fromEntries(required.map(([key, need]) => [key, need.example]))
    : null;
}
