import type { Static } from '@sinclair/typebox';
import type { ValidateFunction } from 'ajv';
import { ensurePayloadFits } from '../domain/json-text.ts';
import { compileBodyValidator } from './validator.ts';
import { EventInput } from './event.ts';
import type { NewEvent } from '../store/events.ts';

/**
 * One published event as a producer gives it, whichever way it comes (POST …/events or a BullMQ
 * job): the rules live in the `EventInput` schema and `ensurePayloadFits`, and both ways use them
 * through this module, so a job is accepted exactly when the same event would be by the API.
 */
export type EventInputValue = Static<typeof EventInput>;

/** The `EventInput` schema, compiled as request bodies are (strict: no coercion, no extras). */
export const checkEventInput = compileBodyValidator(
  EventInput,
) as ValidateFunction<EventInputValue>;

/**
 * A valid input made ready to store: its payload measured against `maxPayloadBytes` (TooLarge,
 * 413 over HTTP, naming `field` when larger) and its id, or `fallbackId` when the producer chose none.
 */
export function storableEvent(
  accountId: string,
  input: EventInputValue,
  fallbackId: () => string,
  maxPayloadBytes: number,
  field = 'payload',
): NewEvent {
  const payloadJson = ensurePayloadFits(input.payload, maxPayloadBytes, field);
  return {
    accountId,
    id: input.id ?? fallbackId(),
    type: input.type,
    payload: input.payload,
    payloadJson,
  };
}
