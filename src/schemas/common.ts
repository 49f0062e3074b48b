import { Type, type TSchema, type Static } from '@sinclair/typebox';

/** A string enum that ajv reports with code "enum" (TypeBox's union of literals would say "anyOf"). */
export function StringEnum<const T extends readonly string[]>(values: T, options: object = {}) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

/**
 * The same schema, also accepting null (PATCH: null removes a field). Without its `default`:
 * ajv fills defaults into the body, and a PATCH must not set fields it does not name.
 */
export function Nullable<T extends TSchema>(schema: T) {
  const s = schema as Record<string, unknown>;
  const copy: Record<string, unknown> = { ...s };
  delete copy.default;
  if (Array.isArray(s.enum)) copy.enum = [...(s.enum as unknown[]), null];
  if (typeof s.type === 'string') copy.type = [s.type, 'null'];
  return Type.Unsafe<Static<T> | null>(copy);
}

/** Crossbar request body: {"data": {...}}. */
export function DataBody<T extends TSchema>(data: T) {
  return Type.Object({ data }, { additionalProperties: false });
}

/** An account, webhook or key id in a path (ours are 32 lowercase hex characters). */
export const IdParam = Type.String({ minLength: 1, maxLength: 64 });

export const AccountParams = Type.Object({ accountId: IdParam });

export const ErrorEnvelope = Type.Object(
  {
    status: Type.Literal('error'),
    error: Type.String({ description: 'HTTP status code, as a string' }),
    message: Type.String(),
    data: Type.Object({}, { additionalProperties: true }),
    request_id: Type.String(),
  },
  { $id: 'ErrorEnvelope' },
);

/**
 * Crossbar's success envelope, as every /v2 route answers it. `data` is the route's document or
 * list; lists add page_size, start_key and next_start_key.
 */
export const SuccessEnvelope = Type.Object(
  {
    data: Type.Unknown({ description: "the route's document or list" }),
    status: Type.Literal('success'),
    request_id: Type.String(),
    revision: Type.String(),
    timestamp: Type.String({ format: 'date-time' }),
    page_size: Type.Optional(Type.Integer()),
    start_key: Type.Optional(Type.String()),
    next_start_key: Type.Optional(Type.String()),
  },
  { $id: 'SuccessEnvelope', additionalProperties: true },
);

/** Routes under /v2/accounts take X-Auth-Token or Authorization: Bearer. */
export const SECURITY: { [scheme: string]: string[] }[] = [{ authToken: [] }, { bearer: [] }];

/** One document of component `$id` in Crossbar's success envelope (a route's 2xx answer). */
export function AnswerOf(id: string) {
  return Type.Object(
    {
      data: Type.Ref(id),
      status: Type.Literal('success'),
      request_id: Type.String(),
      revision: Type.String(),
      timestamp: Type.String({ format: 'date-time' }),
    },
    { additionalProperties: true },
  );
}

/** A page of component `schema` (a schema with an `$id`) in Crossbar's list envelope. */
export function PageOf<T extends TSchema>(schema: T) {
  if (!schema.$id) throw new Error('PageOf: the schema needs an $id');
  return Type.Object({
    data: Type.Array(Type.Unsafe<Static<T>>(Type.Ref(schema.$id))),
    status: Type.Literal('success'),
    request_id: Type.String(),
    revision: Type.String(),
    timestamp: Type.String({ format: 'date-time' }),
    page_size: Type.Integer(),
    start_key: Type.Optional(Type.String()),
    next_start_key: Type.Optional(Type.String()),
  });
}

/** A route's answers: its own 2xx, and the error envelope otherwise. */
export function responsesOf(success: TSchema) {
  return {
    '2xx': success,
    '4xx': { $ref: 'ErrorEnvelope#' },
    '5xx': { $ref: 'ErrorEnvelope#' },
  };
}
