import { Type } from '@sinclair/typebox';
import { AttemptFilter } from './log-filter.ts';
import { IdParam, StringEnum } from './common.ts';

/** POST …/replays: the delivery log's filters, plus which webhooks and how deep. */
export const ReplayInput = Type.Object(
  {
    ...AttemptFilter,
    webhook_ids: Type.Optional(
      Type.Array(IdParam, { minItems: 1, maxItems: 100, uniqueItems: true }),
    ),
    include_subaccounts: Type.Optional(
      Type.Boolean({ description: "also the failed deliveries of descendants' webhooks" }),
    ),
  },
  { additionalProperties: false },
);

export const ReplayBody = Type.Object({ data: ReplayInput }, { additionalProperties: false });

/** A bulk replay and how far it got (the `Replay` component). */
export const Replay = Type.Object(
  {
    id: Type.String(),
    state: StringEnum(['running', 'completed', 'cancelled'] as const, {
      description:
        'running: still finding deliveries or waiting for those queued to end; completed: every match queued and ended again; cancelled: stopped queueing',
    }),
    matched: Type.Integer({ description: 'failed deliveries found so far' }),
    queued: Type.Integer({ description: 'of those, put in line again' }),
    done: Type.Integer({ description: 'of those queued, ended again (delivered or failed)' }),
    filter: Type.Object({}, { additionalProperties: true }),
    created: Type.String({ format: 'date-time' }),
    modified: Type.String({ format: 'date-time' }),
  },
  { $id: 'Replay' },
);

export const ReplayParams = Type.Object({ accountId: IdParam, replayId: IdParam });
