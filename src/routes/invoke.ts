import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { RouteContext } from '../app.ts';
import type { InvokeResult } from '../delivery/invoke.ts';
import { fieldProblem } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import { envelope } from '../http/envelope.ts';
import { ApiError } from '../http/errors.ts';
import { ensurePayloadFits } from '../domain/json-text.ts';
import { AccountParams, AnswerOf, SECURITY, responsesOf } from '../schemas/common.ts';
import { InvokeBody } from '../schemas/invoke.ts';

/** POST …/events/invoke: a call-control request, answered by the receivers (docs/call-control.md). */
export function invokeRoutes(ctx: RouteContext): FastifyPluginAsyncTypebox {
  const { config, invoker } = ctx;
  return async (app) => {
    app.post(
      '/accounts/:accountId/events/invoke',
      {
        schema: {
          tags: ['events'],
          security: SECURITY,
          params: AccountParams,
          body: InvokeBody,
          summary:
            "Send one event now to the account's matching call-control webhooks and return their answers",
          response: responsesOf(AnswerOf('Invocation')),
        },
        // The platform's act, as publishing is (docs/security.md).
        config: { scope: 'publish' },
      },
      async (request) => {
        const { type, id = newId(), payload, timeout_ms } = request.body.data;
        const payloadJson = ensurePayloadFits(payload, config.maxPayloadBytes);
        const outcome = await invoker.invoke(
          { accountId: request.account.id, id, type, payload, payloadJson },
          timeout_ms ?? config.invoke.timeoutMs,
        );
        // Silently answering again would hide that the receivers were not asked this time; the
        // first invoke's answers are in the attempts log.
        if (outcome.kind === 'duplicate') {
          throw new ApiError(
            409,
            'event already exists',
            fieldProblem('id', 'unique', 'an event with this id was already published or invoked'),
          );
        }
        return envelope(request, { event_id: id, results: outcome.results.map(resultView) });
      },
    );
  };
}

function resultView(r: InvokeResult) {
  return {
    webhook_id: r.webhookId,
    delivery_id: r.deliveryId,
    result: r.result,
    ...(r.statusCode !== undefined ? { status_code: r.statusCode } : {}),
    ...(r.result === 'success' && 'answer' in r ? { answer: r.answer } : {}),
    duration_ms: r.durationMs,
    ...(r.result === 'failure' && r.clientError ? { client_error: r.clientError } : {}),
    ...(r.result === 'failure' ? { reason: r.reason } : {}),
  };
}
