import { Type } from '@sinclair/typebox';
import { INVOKE_TIMEOUT_BOUNDS } from '../domain/call-control.ts';
import { StringEnum } from './common.ts';
import { EventInput } from './event.ts';

/** One event to invoke, as published ones are written, plus the caller's deadline. */
export const InvokeBody = Type.Object(
  {
    data: Type.Object(
      {
        ...EventInput.properties,
        timeout_ms: Type.Optional(
          Type.Integer({
            minimum: INVOKE_TIMEOUT_BOUNDS.min,
            maximum: INVOKE_TIMEOUT_BOUNDS.max,
            description:
              'how long to wait for the answers, ms (default SWITCHBOARD_INVOKE_TIMEOUT_MS, 3000)',
          }),
        ),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

/** What one call-control webhook answered (the `Invocation` component's results). */
export const InvokeResult = Type.Object({
  webhook_id: Type.String(),
  delivery_id: Type.String({ description: 'the webhook-id header the receiver got' }),
  result: StringEnum(['success', 'failure'] as const),
  status_code: Type.Optional(Type.Integer({ description: 'absent when no answer came' })),
  answer: Type.Optional(
    Type.Unknown({ description: 'the parsed JSON answer of a success (absent if empty)' }),
  ),
  duration_ms: Type.Integer(),
  client_error: Type.Optional(
    Type.String({
      description: 'timeout, connect_refused, dns, tls, blocked_target, too_large, bad_answer…',
    }),
  ),
  reason: Type.Optional(Type.String({ description: 'what went wrong, in a sentence' })),
});

/** An invoke's answer: the stored event's id and every matching call-control webhook's result. */
export const Invocation = Type.Object(
  {
    event_id: Type.String(),
    results: Type.Array(InvokeResult, {
      description: 'one per matching call-control webhook; empty when none matches',
    }),
  },
  { $id: 'Invocation' },
);
