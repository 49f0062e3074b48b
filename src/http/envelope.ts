import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

/** Crossbar's success envelope: {"data", "status", "request_id", "revision", "timestamp", …}. */
export function envelope(
  request: FastifyRequest,
  data: unknown,
  extras: Record<string, unknown> = {},
) {
  return {
    data,
    status: 'success' as const,
    request_id: request.id,
    revision: revisionOf(data),
    timestamp: new Date().toISOString(),
    ...extras,
  };
}

/** An etag of the returned document: changes whenever what the client sees changes. */
function revisionOf(data: unknown): string {
  return createHash('sha1')
    .update(JSON.stringify(data) ?? '')
    .digest('hex')
    .slice(0, 32);
}
