import type { FastifyInstance } from 'fastify';

/** The OpenAPI document as committed under openapi/openapi.json (stable key order, 2-space JSON). */
export function renderOpenApi(app: FastifyInstance): string {
  return `${JSON.stringify(app.swagger(), null, 2)}\n`;
}
