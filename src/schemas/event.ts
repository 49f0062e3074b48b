import { Type } from '@sinclair/typebox';
import { EVENT_TYPE_NAMES } from '../domain/catalogue/event-types.ts';
import { PageOf, StringEnum } from './common.ts';

export const MAX_EVENTS_PER_REQUEST = 1000;

/** An id the producer may choose; the same id twice in one account is accepted once. */
export const EVENT_ID_PATTERN = '^[A-Za-z0-9._@+=-]{1,128}$';

export const EventInput = Type.Object(
  {
    type: StringEnum(EVENT_TYPE_NAMES),
    id: Type.Optional(
      Type.String({
        pattern: EVENT_ID_PATTERN,
        description: 'idempotency key; generated when absent',
      }),
    ),
    payload: Type.Object({}, { additionalProperties: true }),
  },
  { additionalProperties: false },
);

/**
 * {"data": event} or {"data": [event, …]} (≤ 1000). A single event is wrapped into a list before
 * validation, so both forms are checked by this one schema.
 */
export const PublishBody = Type.Object(
  {
    data: Type.Array(EventInput, {
      minItems: 1,
      maxItems: MAX_EVENTS_PER_REQUEST,
      description: 'one event object, or a list of up to 1000',
    }),
  },
  { additionalProperties: false },
);

export const EventParams = Type.Object({
  accountId: Type.String({ maxLength: 64 }),
  eventId: Type.String({ maxLength: 128 }),
});

export const RedeliverQuery = Type.Object({
  webhook_id: Type.Optional(Type.String({ maxLength: 64 })),
});

export const RecoverBody = Type.Object(
  {
    data: Type.Object(
      {
        since: Type.String({ format: 'date-time' }),
        until: Type.Optional(Type.String({ format: 'date-time' })),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

/** An event with the state of each of its deliveries (the `Event` component). */
export const Event = Type.Object(
  {
    id: Type.String(),
    type: Type.String(),
    account_id: Type.String(),
    payload: Type.Object({}, { additionalProperties: true }),
    created: Type.String({ format: 'date-time' }),
    fanned_out: Type.Boolean(),
    deliveries: Type.Array(
      Type.Object({
        id: Type.String(),
        webhook_id: Type.Union([Type.String(), Type.Null()]),
        status: StringEnum(['pending', 'delivered', 'failed', 'skipped'] as const),
        trigger: StringEnum(['auto', 'manual', 'invoke'] as const),
        tries: Type.Integer(),
        last_error: Type.Optional(Type.String()),
        next_attempt_at: Type.Optional(Type.String({ format: 'date-time' })),
        queue_state: Type.Optional(
          StringEnum([
            'in_flight',
            'scheduled',
            'circuit_open',
            'throttled',
            'at_capacity',
            'queued',
            'behind_call',
            'unknown',
          ] as const),
        ),
        created: Type.String({ format: 'date-time' }),
        modified: Type.String({ format: 'date-time' }),
      }),
    ),
  },
  { $id: 'Event' },
);

/** One event of the events list: what it is, and how its deliveries stand. */
export const EventSummary = Type.Object(
  {
    id: Type.String(),
    type: Type.String(),
    account_id: Type.String(),
    call_id: Type.Optional(Type.String({ description: 'the call the event is about, if any' })),
    created: Type.String({ format: 'date-time' }),
    fanned_out: Type.Boolean(),
    state: StringEnum(['pending', 'delivered', 'failed', 'none'] as const, {
      description:
        'failed: a delivery failed; pending: none failed, one pending; delivered: all delivered; none: no delivery (or only skipped ones)',
    }),
    deliveries: Type.Object({
      pending: Type.Integer(),
      delivered: Type.Integer(),
      failed: Type.Integer(),
      skipped: Type.Integer(),
    }),
  },
  { $id: 'EventSummary' },
);

/** The events list's answer: a page of event summaries in Crossbar's list envelope. */
export const EventPage = PageOf(EventSummary);
