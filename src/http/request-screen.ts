import type { FastifyInstance } from 'fastify';
import { InvalidInput } from '../domain/errors.ts';
import { screenJson } from '../domain/json-text.ts';

/**
 * The field a problem is reported under, as validation errors name it: a body field relative to
 * its {"data": …} (Kazoo's way), a path or query parameter by its name. An event's `payload` is
 * the producer's own document, not fields of ours: a problem inside it is the payload's.
 */
function fieldOf(part: string, path: Array<string | number>): string {
  let segments = part === 'body' && path[0] === 'data' && path.length > 1 ? path.slice(1) : path;
  const payload = segments.indexOf('payload');
  if (part === 'body' && payload !== -1) segments = segments.slice(0, payload + 1);
  return segments.length > 0 ? segments.join('.') : part;
}

/**
 * Before any route validates or uses a request: every path, query and body value must be text
 * Postgres can store (no NUL, no lone surrogate — it would otherwise fail on insert, or be changed
 * to U+FFFD behind the client's back) and nest no deeper than `maxJsonDepth` (deep JSON overflows
 * the stack of whatever recurses into it next: serialising, flattening, signing).
 */
export function screenRequests(app: FastifyInstance, maxJsonDepth: number): void {
  app.addHook('preValidation', async (request) => {
    const parts: Array<[string, unknown]> = [
      ['params', request.params],
      ['querystring', request.query],
      ['body', request.body],
    ];
    for (const [part, value] of parts) {
      const problem = screenJson(value, maxJsonDepth);
      if (problem) {
        throw InvalidInput.of(
          fieldOf(part, problem.path),
          problem.code,
          problem.message,
          problem.code === 'maxDepth' ? maxJsonDepth : undefined,
        );
      }
    }
  });
}
