import type { ErrorObject } from 'ajv';
import { checkEventInput, storableEvent } from '../schemas/event-input.ts';
import { isId } from '../domain/ids.ts';
import { screenJson } from '../domain/json-text.ts';
import { TooLarge } from '../domain/errors.ts';
import { EVENT_ID_PATTERN } from '../schemas/event.ts';
import type { NewEvent } from '../store/events.ts';

/** Why a job can never be accepted; each is counted in /metrics under its name. */
export type RefusalReason =
  | 'bad_shape'
  | 'unknown_account'
  | 'unknown_type'
  | 'type_mismatch'
  | 'payload_not_object'
  | 'payload_too_large'
  | 'bad_id'
  | 'unstorable';

/** A job refused for good, with a reason a person reading the failed set understands. */
export class Refusal {
  constructor(
    readonly reason: RefusalReason,
    readonly message: string,
  ) {}
}

export interface IntakeLimits {
  maxPayloadBytes: number;
  maxJsonDepth: number;
}

const FIELDS = 'account_id, payload, and optionally type and id';

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The first schema error, said the way a producer can act on it. */
function refusalOf(input: Record<string, unknown>, error: ErrorObject, idFromJob: boolean) {
  const field = error.instancePath.split('/')[1];
  if (error.keyword === 'additionalProperties') {
    const extra = String(error.params.additionalProperty);
    return new Refusal(
      'bad_shape',
      `unknown field "${extra}" in the job data (it takes ${FIELDS})`,
    );
  }
  if (error.keyword === 'required') {
    const missing = String(error.params.missingProperty);
    return new Refusal('bad_shape', `the job data has no ${missing} (it takes ${FIELDS})`);
  }
  switch (field) {
    case 'type':
      return new Refusal(
        'unknown_type',
        `unknown event type ${JSON.stringify(input.type)} (GET /v2/webhooks/event_types lists them)`,
      );
    case 'payload':
      return new Refusal('payload_not_object', 'payload must be a JSON object');
    case 'id':
      return new Refusal(
        'bad_id',
        `${idFromJob ? 'job id' : 'id'} ${JSON.stringify(input.id)} is not a valid event id ` +
          `(it must match ${EVENT_ID_PATTERN})`,
      );
    default:
      return new Refusal('bad_shape', `job data${error.instancePath} ${error.message}`);
  }
}

/**
 * A job as the event it carries, or why it can never be one. Job name = event type; job data =
 * what POST /v2/accounts/{account_id}/events takes for one event, plus `account_id`; the event id
 * is `data.id`, else the job id. The checks are the publish route's: the same screen of the text
 * and its depth, the same `EventInput` schema, the same payload limit. Whether the account exists
 * is asked of Postgres by the caller.
 */
export function readIntakeJob(
  name: string,
  data: unknown,
  jobId: string | undefined,
  limits: IntakeLimits,
): NewEvent | Refusal {
  if (!isObject(data)) return new Refusal('bad_shape', `job data must be an object with ${FIELDS}`);
  // The route screens the body {"data": event}: the same nesting here allows the same depth.
  const problem = screenJson({ data }, limits.maxJsonDepth);
  if (problem) {
    const where = problem.path.slice(1).join('.') || 'data';
    return new Refusal('unstorable', `${where} ${problem.message}`);
  }
  const { account_id: accountId, ...input } = data;
  if (accountId === undefined || accountId === null || accountId === '')
    return new Refusal('unknown_account', `the job data has no account_id (it takes ${FIELDS})`);
  if (typeof accountId !== 'string' || !isId(accountId))
    return new Refusal('unknown_account', `unknown account ${JSON.stringify(accountId)}`);
  if (input.type === undefined) input.type = name;
  else if (input.type !== name)
    return new Refusal(
      'type_mismatch',
      `job name ${JSON.stringify(name)} and data.type ${JSON.stringify(input.type)} disagree`,
    );
  const idFromJob = input.id === undefined;
  if (idFromJob) input.id = jobId ?? '';
  if (!checkEventInput(input)) return refusalOf(input, checkEventInput.errors![0], idFromJob);
  try {
    return storableEvent(accountId, input, () => String(input.id), limits.maxPayloadBytes);
  } catch (error) {
    if (!(error instanceof TooLarge)) throw error;
    const bytes = Buffer.byteLength(JSON.stringify(input.payload));
    return new Refusal(
      'payload_too_large',
      `payload is ${bytes} bytes; the limit is ${limits.maxPayloadBytes} (SWITCHBOARD_MAX_PAYLOAD_BYTES)`,
    );
  }
}
