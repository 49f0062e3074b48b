import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  Conflict,
  DomainError,
  Forbidden,
  InvalidInput,
  LimitReached,
  NotFound,
  TooLarge,
  type FieldProblems,
} from '../domain/errors.ts';
import { ApiError } from './errors.ts';
import { problemsOfSchemaErrors } from './validation.ts';
import { isDataException, isDatabaseUnavailable, isRowGone } from '../store/database-errors.ts';

function send(
  reply: FastifyReply,
  request: FastifyRequest,
  statusCode: number,
  message: string,
  data: Record<string, unknown> = {},
) {
  return reply.code(statusCode).send({
    status: 'error',
    error: String(statusCode),
    message,
    data,
    request_id: request.id,
  });
}

/** Fastify's own errors that are the client's fault, with the message a client can act on. */
const CLIENT_ERRORS: Record<string, [number, string]> = {
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'invalid json'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'empty json body'],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'request body too large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported media type: send application/json'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'invalid content-length'],
  FST_ERR_CTP_INVALID_TYPE: [400, 'invalid content-type'],
  FST_ERR_BAD_URL: [400, 'malformed url: invalid percent-encoding'],
  FST_ERR_ASYNC_CONSTRAINT: [400, 'bad request'],
};

/** The 400 of every validation failure (the domain's, the schema's): its problems by field. */
function sendInvalid(reply: FastifyReply, request: FastifyRequest, problems: FieldProblems) {
  return send(reply, request, 400, 'validation error', problems);
}

/** Each category of rule error, as HTTP. */
function sendDomainError(reply: FastifyReply, request: FastifyRequest, error: DomainError) {
  if (error instanceof InvalidInput) return sendInvalid(reply, request, error.problems);
  if (error instanceof TooLarge) return send(reply, request, 413, error.message, error.problems);
  if (error instanceof LimitReached) {
    return send(reply, request, 409, error.message, { limit: error.limit, max: error.max });
  }
  if (error instanceof NotFound) {
    return send(reply, request, 404, 'bad identifier', { cause: error.message });
  }
  if (error instanceof Conflict) return send(reply, request, 409, error.message);
  if (error instanceof Forbidden) return send(reply, request, 403, error.message, error.details);
  return send(reply, request, 400, error.message);
}

/** Errors the router raises before any route runs (a URL that cannot be decoded), in the envelope. */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const [status, message] = CLIENT_ERRORS[error.code] ?? [400, 'bad request'];
  // No hook has run yet: the request id header is set here.
  reply.header('X-Request-ID', request.id);
  return send(reply, request, status, message);
}

/** One error handler and one not-found handler: every failure leaves in the error envelope. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | ApiError | DomainError, request, reply) => {
    if (error instanceof ApiError)
      return send(reply, request, error.statusCode, error.message, error.data);
    if (error instanceof DomainError) return sendDomainError(reply, request, error);
    if (error.validation) {
      return sendInvalid(
        reply,
        request,
        problemsOfSchemaErrors(error.validation as never, error.validationContext),
      );
    }
    const known = error.code ? CLIENT_ERRORS[error.code] : undefined;
    if (known) return send(reply, request, known[0], known[1]);
    // A row deleted by another request between our read and our write.
    if (isRowGone(error)) return send(reply, request, 404, 'bad identifier');
    if (error instanceof SyntaxError) return send(reply, request, 400, 'invalid json');
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return send(reply, request, error.statusCode, error.message);
    }
    // Input is screened before it reaches the database, so a value Postgres cannot hold is a
    // missed validation: logged as such, and still the client's 400, never a 500.
    if (isDataException(error)) {
      request.log.warn({ err: error }, 'a value reached the database unscreened');
      return send(reply, request, 400, 'invalid value');
    }
    if (isDatabaseUnavailable(error)) {
      request.log.warn({ err: (error as Error).message }, 'database unavailable');
      reply.header('Retry-After', '1');
      return send(reply, request, 503, 'service unavailable: the database is not answering; retry');
    }
    request.log.error({ err: error }, 'unhandled error');
    return send(reply, request, 500, 'internal error');
  });
  app.setNotFoundHandler((request, reply) =>
    send(reply, request, 404, 'not found', { path: request.url }),
  );
}
