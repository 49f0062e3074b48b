import type { FastifyRequest } from 'fastify';
import { coerceKnownFields } from '../domain/kazoo-document.ts';

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * preValidation of a document write: Kazoo's simple type slips in `data` (`"2"` for an integer,
 * `"true"` for a boolean) are fixed before the schema judges the known fields.
 */
export function coerceDocumentBody(fields: Record<string, object>) {
  return async (request: FastifyRequest): Promise<void> => {
    const body = request.body as { data?: unknown } | null | undefined;
    if (isObject(body) && isObject(body.data))
      body.data = coerceKnownFields(body.data, fields as Record<string, { type?: unknown }>);
  };
}
