import type { PrismaClient, Attempt } from '../generated/prisma/client.ts';

export interface AttemptFilter {
  accountId: string;
  webhookId?: string;
  createdFrom?: Date;
  createdTo?: Date;
  result?: 'success' | 'failure';
  /** Cursor: the (created, id) of the last attempt of the previous page. */
  after?: { created: Date; id: string };
  take: number;
}

/** The attempts log, newest first, on the (account|webhook, created desc, id desc) indexes. */
export function listAttempts(prisma: PrismaClient, f: AttemptFilter): Promise<Attempt[]> {
  return prisma.attempt.findMany({
    where: {
      accountId: f.accountId,
      ...(f.webhookId ? { webhookId: f.webhookId } : {}),
      ...(f.result ? { result: f.result } : {}),
      created: {
        ...(f.createdFrom ? { gte: f.createdFrom } : {}),
        ...(f.createdTo ? { lte: f.createdTo } : {}),
      },
      ...(f.after
        ? {
            OR: [
              { created: { lt: f.after.created } },
              { created: f.after.created, id: { lt: f.after.id } },
            ],
          }
        : {}),
    },
    orderBy: [{ created: 'desc' }, { id: 'desc' }],
    take: f.take,
  });
}

/** An attempt with Kazoo's keys, plus id, delivery_id and duration_ms. */
export function attemptView(a: Attempt) {
  return {
    id: a.id,
    delivery_id: a.deliveryId,
    hook_id: a.webhookId,
    hook_event: a.hookEvent,
    event_id: a.eventId,
    account_id: a.accountId,
    uri: a.uri,
    method: a.method.toLowerCase(),
    req_headers: a.reqHeaders,
    req_body: a.reqBody,
    resp_status_code: a.respStatusCode,
    resp_headers: a.respHeaders,
    resp_body: a.respBody,
    try: a.try,
    retries_left: a.retriesLeft,
    result: a.result,
    ...(a.reason ? { reason: a.reason } : {}),
    ...(a.clientError ? { client_error: a.clientError } : {}),
    duration_ms: a.durationMs,
    timestamp: a.created.toISOString(),
  };
}
