import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { RouteContext } from '../app.ts';
import { replayFilterToJson, type ReplayFilter } from '../domain/log-filter.ts';
import { envelope } from '../http/envelope.ts';
import { fieldError } from '../http/errors.ts';
import { logFilterOf } from '../http/log-filters.ts';
import { AccountParams, AnswerOf, SECURITY, responsesOf } from '../schemas/common.ts';
import { ReplayBody, ReplayParams } from '../schemas/replay.ts';
import type { ReplayRow } from '../store/replays.ts';

const tags = ['replays'];
const oneReplay = responsesOf(AnswerOf('Replay'));

/** The schema of a route that answers with one replay named in the path. */
const oneReplaySchema = (summary: string) => ({
  tags,
  security: SECURITY,
  params: ReplayParams,
  response: oneReplay,
  summary,
});

/** The longest Idempotency-Key kept. */
const MAX_IDEMPOTENCY_KEY = 256;

/** A replay's filter in the words the request used. */
function filterView(f: ReplayFilter) {
  const json = replayFilterToJson(f);
  return {
    ...(json.createdFrom ? { created_from: json.createdFrom } : {}),
    ...(json.createdTo ? { created_to: json.createdTo } : {}),
    ...(f.eventType ? { event_type: f.eventType } : {}),
    ...(f.eventId ? { event_id: f.eventId } : {}),
    ...(f.callId ? { call_id: f.callId } : {}),
    ...(f.result ? { result: f.result } : {}),
    ...(f.statusCode !== undefined ? { status_code: f.statusCode } : {}),
    ...(f.errorCode ? { error_code: f.errorCode } : {}),
    ...(f.webhookIds ? { webhook_ids: f.webhookIds } : {}),
    include_subaccounts: f.includeSubaccounts,
  };
}

/** A replay as the API shows it: `completed` once every delivery it queued has ended again. */
function replayView(r: ReplayRow) {
  const state =
    r.state === 'cancelled'
      ? 'cancelled'
      : r.state === 'scanned' && r.done >= r.queued
        ? 'completed'
        : 'running';
  return {
    id: r.id,
    state,
    matched: r.matched,
    queued: r.queued,
    done: r.done,
    filter: filterView(r.filter),
    created: r.created.toISOString(),
    modified: r.modified.toISOString(),
  };
}

/** Bulk replays: everything that failed and matches a filter, sent again once, in the background. */
export function replayRoutes({ services }: RouteContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/accounts/:accountId/replays',
      {
        schema: {
          tags,
          security: SECURITY,
          params: AccountParams,
          body: ReplayBody,
          response: oneReplay,
          summary:
            'Deliver again, once, every failed delivery matching the filters (202; runs in the background)',
        },
      },
      async (request, reply) => {
        const header = request.headers['idempotency-key'];
        const key = typeof header === 'string' ? header : request.id;
        if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY) {
          throw fieldError(
            'Idempotency-Key',
            'maxLength',
            'an Idempotency-Key is 1–256 characters',
          );
        }
        const { webhook_ids, include_subaccounts, ...filters } = request.body.data;
        const { replay } = await services.replays.startBulk(request.account, key, {
          ...logFilterOf(filters),
          ...(webhook_ids ? { webhookIds: webhook_ids } : {}),
          includeSubaccounts: include_subaccounts === true,
        });
        return reply.code(202).send(envelope(request, replayView(replay)));
      },
    );

    app.get(
      '/accounts/:accountId/replays/:replayId',
      { schema: oneReplaySchema('A bulk replay and how far it got') },
      async (request) =>
        envelope(
          request,
          replayView(await services.replays.readBulk(request.account, request.params.replayId)),
        ),
    );

    app.delete(
      '/accounts/:accountId/replays/:replayId',
      { schema: oneReplaySchema('Cancel a bulk replay: it queues nothing more') },
      async (request) =>
        envelope(
          request,
          replayView(await services.replays.cancelBulk(request.account, request.params.replayId)),
        ),
    );
  };
}
