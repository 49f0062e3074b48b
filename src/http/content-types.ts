import type { FastifyInstance } from 'fastify';
import { InvalidInput } from '../domain/errors.ts';
import { ApiError } from './errors.ts';

/**
 * Fastify's parser (secure-json-parse) refuses `__proto__`, and `constructor.prototype`, anywhere
 * in a body as "invalid json". A body that is valid JSON was refused for that: the client is told
 * which name, in the validation envelope, as for a document property named like any other
 * Object.prototype member.
 */
function poisoningNamed(err: Error | null, text: string | Buffer): Error | null {
  if ((err as { code?: string } | null)?.code !== 'FST_ERR_CTP_INVALID_JSON_BODY') return err;
  const body = String(text);
  try {
    JSON.parse(body);
  } catch {
    return err;
  }
  const name = /"__proto__"\s*:/.test(body) ? '__proto__' : 'constructor';
  return new InvalidInput({
    [name]: {
      not_allowed: { message: `a property may not be named ${name}, a member of every object` },
    },
  });
}

/** A body that may be JSON whatever its label says: it starts like a JSON object or array. */
const LOOKS_LIKE_JSON = /^\s*[[{]/;

/**
 * JSON in, JSON out, as Kazoo's Crossbar:
 * - An empty body sent as application/json (curl -H 'Content-Type: application/json' -X DELETE …,
 *   as Kazoo's examples do) is no body, not a parse error; routes whose body is required still
 *   answer 400 from their schema.
 * - A JSON body under another label, or none, is read as JSON: Kazoo's doc sends
 *   `curl -X PATCH -d '{"data":{"re-enable":true}}'` without a Content-Type, which curl labels
 *   application/x-www-form-urlencoded. A body that is not JSON under such a label is a 415.
 * - Prototype poisoning (`__proto__`, `constructor.prototype`) stays a 400, naming the property.
 */
export function acceptJsonOnly(app: FastifyInstance): void {
  app.removeContentTypeParser('text/plain');
  app.removeContentTypeParser('application/json');
  const parseStrictJson = app.getDefaultJsonParser('error', 'error');
  const parseJson: typeof parseStrictJson = (request, text, done) =>
    parseStrictJson(request, text, (err, value) => done(poisoningNamed(err, text), value));
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') return done(null, undefined);
    return parseJson(request, body as string, done);
  });
  app.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (text === '') return done(null, undefined);
    if (!LOOKS_LIKE_JSON.test(text)) {
      return done(new ApiError(415, 'unsupported media type: send application/json'), undefined);
    }
    return parseJson(request, text, done);
  });
}

/**
 * Every JSON answer, error or success, is labelled exactly `application/json`: monster-ui's
 * kazoosdk reads an error body only under that exact type (Fastify would add `; charset=utf-8`,
 * which JSON does not need: RFC 8259 §11 defines no charset parameter).
 */
export function labelJsonExactly(app: FastifyInstance): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && /^application\/json\s*(;|$)/i.test(type)) {
      reply.header('content-type', 'application/json');
    }
    return payload;
  });
}

/**
 * `_=<time>`, the cache-buster jQuery and Kazoo's UIs add to GETs, means nothing to any route:
 * it is dropped before validation, so routes with strict query schemas accept it.
 */
export function ignoreCacheBuster(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    const query = request.query as Record<string, unknown> | undefined;
    if (query && Object.hasOwn(query, '_')) delete query._;
  });
}
