import { Type } from '@sinclair/typebox';
import { EVENT_TYPE_NAMES } from '../domain/catalogue/event-types.ts';
import { ATTEMPT_ERROR_CODES, ERROR_CODE_OF_KAZOO_NAME } from '../domain/kazoo-attempt.ts';
import { MAX_CALL_ID_LENGTH } from '../domain/dialects/read-call.ts';
import { EVENT_STATES } from '../domain/log-filter.ts';
import { EVENT_ID_PATTERN } from './event.ts';
import { StringEnum } from './common.ts';

/**
 * The delivery log's filters, as query parameters (and a replay's body): one schema validates
 * them and documents them in the OpenAPI document.
 */
const TimeBound = (description: string) =>
  Type.String({
    maxLength: 40,
    description: `${description}: ISO 8601, Unix or Gregorian seconds`,
  });

export const TimeRangeFilter = {
  created_from: Type.Optional(TimeBound('from this time, inclusive')),
  created_to: Type.Optional(TimeBound('up to this time, inclusive')),
};

export const EventFilter = {
  ...TimeRangeFilter,
  event_type: Type.Optional(
    StringEnum(EVENT_TYPE_NAMES, { description: 'the event type (its twin matches too)' }),
  ),
  event_id: Type.Optional(Type.String({ pattern: EVENT_ID_PATTERN })),
  call_id: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: MAX_CALL_ID_LENGTH,
      description: 'the call the event is about: Kazoo call_id, VoIPBIN id, jambonz call_sid',
    }),
  ),
};

/** Error codes as a filter takes them: ours, or Kazoo's client_error spelling of the same. */
const ERROR_CODE_NAMES = [...new Set([...ATTEMPT_ERROR_CODES, ...ERROR_CODE_OF_KAZOO_NAME.keys()])];

export const AttemptFilter = {
  ...EventFilter,
  result: Type.Optional(StringEnum(['success', 'failure'] as const)),
  status_code: Type.Optional(
    Type.Integer({ minimum: 100, maximum: 599, description: 'the response status code' }),
  ),
  error_code: Type.Optional(
    StringEnum(ERROR_CODE_NAMES, {
      description: "the attempt's error: our error_code, or Kazoo's client_error name",
    }),
  ),
};

export const EventStateFilter = {
  state: Type.Optional(
    StringEnum(EVENT_STATES, {
      description:
        'failed: a delivery failed; pending: none failed, one still pending; delivered: all delivered',
    }),
  ),
};
