import { Type } from '@sinclair/typebox';
import { Nullable, PageOf } from './common.ts';

const Headers = Type.Object({}, { additionalProperties: true });

/**
 * One attempt as the attempts log answers it: Kazoo's keys and values (docs/api-conventions.md,
 * "Attempts"), then ours. The view is store/attempts.ts attemptView.
 */
export const Attempt = Type.Object(
  {
    id: Type.String(),
    delivery_id: Type.String({ description: 'the webhook-id header of every try of a delivery' }),
    hook_id: Nullable(Type.String({ description: 'null once the webhook is deleted' })),
    hook_event: Type.String(),
    event_id: Type.String(),
    account_id: Type.String(),
    uri: Type.String(),
    method: Type.String({ description: 'lower-case, as Kazoo writes it' }),
    req_headers: Headers,
    req_body: Type.String(),
    resp_status_code: Nullable(Type.Integer()),
    response_code: Type.Optional(Type.Integer({ description: "Kazoo's older key for the status" })),
    resp_headers: Nullable(Headers),
    resp_body: Nullable(Type.String()),
    try: Type.Integer({ description: '1 for the first try' }),
    retries: Type.Integer({
      description: "Kazoo's countdown: tries still owed when this one was made, itself included",
    }),
    'retries left': Type.Integer({ description: "retries still to come (Kazoo's doc spelling)" }),
    retries_left: Type.Integer({ description: "retries still to come (Kazoo's code spelling)" }),
    result: Type.Union([Type.Literal('success'), Type.Literal('failure')]),
    reason: Type.Optional(
      Type.String({ description: '"bad response code" or "kazoo http client error"' }),
    ),
    client_error: Type.Optional(
      Type.String({ description: "Kazoo's client error: nxdomain, timeout, econnrefused…" }),
    ),
    error_code: Type.Optional(Type.String({ description: 'our finer client error code' })),
    error_message: Type.Optional(Type.String({ description: 'what happened, in a sentence' })),
    duration_ms: Type.Integer(),
    timestamp: Type.Integer({ description: 'Gregorian seconds (Kazoo)' }),
    created: Type.String({ format: 'date-time' }),
  },
  { $id: 'Attempt' },
);

/** The attempts log's answer: a page of attempts in Crossbar's list envelope. */
export const AttemptPage = PageOf(Attempt);
