import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './errors.ts';
import { toValidationDetails } from './validation.ts';

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
  // A row deleted by another request between our read and our write.
  P2025: [404, 'bad identifier'],
};

/** One error handler and one not-found handler: every failure leaves in the error envelope. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | ApiError, request, reply) => {
    if (error instanceof ApiError)
      return send(reply, request, error.statusCode, error.message, error.data);
    if (error.validation) {
      return send(
        reply,
        request,
        400,
        'validation error',
        toValidationDetails(error.validation as never, error.validationContext),
      );
    }
    const known = error.code ? CLIENT_ERRORS[error.code] : undefined;
    if (known) return send(reply, request, known[0], known[1]);
    if (error instanceof SyntaxError) return send(reply, request, 400, 'invalid json');
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return send(reply, request, error.statusCode, error.message);
    }
    request.log.error({ err: error }, 'unhandled error');
    return send(reply, request, 500, 'internal error');
  });
  app.setNotFoundHandler((request, reply) =>
    send(reply, request, 404, 'not found', { path: request.url }),
  );
}
