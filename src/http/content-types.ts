import type { FastifyInstance } from 'fastify';

/**
 * JSON in, JSON out. Fastify's built-in text/plain parser is removed, so a text body is a 415
 * rather than a confusing 400 "body must be object". An empty body sent as application/json
 * (curl -H 'Content-Type: application/json' -X DELETE …, as Kazoo's examples do) is no body,
 * not a parse error; routes whose body is required still answer 400 from their schema.
 * Prototype poisoning (`__proto__`, `constructor.prototype`) stays a 400.
 */
export function acceptJsonOnly(app: FastifyInstance): void {
  app.removeContentTypeParser('text/plain');
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') return done(null, undefined);
    return parseJson(request, body as string, done);
  });
}
