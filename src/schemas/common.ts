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

export const AccountParams = Type.Object({
  accountId: Type.String({ minLength: 1, maxLength: 64 }),
});

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

/** Routes under /v2/accounts take X-Auth-Token or Authorization: Bearer. */
export const SECURITY: { [scheme: string]: string[] }[] = [{ authToken: [] }, { bearer: [] }];
