import { Type, type Static, type TOptional, type TSchema } from '@sinclair/typebox';
import { HOOKS, subscribableEventTypes } from '../domain/catalogue.ts';
import { Nullable, StringEnum } from './common.ts';

/** Hook ids a webhook may subscribe with `hook` (Kazoo), from the catalogue. */
export const HOOK_IDS = [
  ...new Set([...HOOKS.filter((h) => h.kind === 'hook').map((h) => h.id), 'all']),
] as string[];

const SCALAR_TYPES = ['string', 'number', 'boolean'];
/** A modifier value: a scalar ("equals") or a list of scalars ("one of"); one schema, so one clear error. */
const ModifierValue = Type.Unsafe<string | number | boolean | Array<string | number | boolean>>({
  type: [...SCALAR_TYPES, 'array'],
  items: { type: SCALAR_TYPES },
  maxItems: 100,
});

/** Every writable webhook field of SPEC §3, with its rule. */
export const webhookFields = {
  name: Type.String({ minLength: 1, maxLength: 128 }),
  uri: Type.String({
    minLength: 1,
    maxLength: 2048,
    format: 'uri',
    description: 'absolute http(s) URL; may carry basic-auth credentials',
  }),
  http_verb: StringEnum(['get', 'post', 'put'] as const, { default: 'post' }),
  format: StringEnum(['json', 'form-data'] as const, { default: 'json' }),
  hook: StringEnum(HOOK_IDS, { description: 'a hook id from GET /v2/webhooks, or "all"' }),
  event_types: Type.Array(StringEnum(subscribableEventTypes()), {
    minItems: 1,
    maxItems: 100,
    uniqueItems: true,
    description: 'VoIPBIN-style alternative to hook',
  }),
  retries: Type.Integer({ minimum: 0, maximum: 4, default: 2 }),
  custom_data: Type.Object(
    {},
    { additionalProperties: Type.String({ maxLength: 2048 }), maxProperties: 50 },
  ),
  modifiers: Type.Object({}, { additionalProperties: ModifierValue, maxProperties: 50 }),
  include_subaccounts: Type.Boolean({ default: false }),
  include_internal_legs: Type.Boolean({
    default: true,
    description: "Kazoo's flag: false drops events of internal call legs (is_internal_leg: true)",
  }),
  enabled: Type.Boolean({ default: true }),
};

/** Read-only fields a client may echo back (GET, edit, POST): accepted and ignored. */
const readOnlyFields = {
  id: Type.Optional(Type.String({ readOnly: true })),
  disable_reason: Type.Optional(Type.Union([Type.String(), Type.Null()], { readOnly: true })),
  created: Type.Optional(Type.String({ readOnly: true })),
  modified: Type.Optional(Type.String({ readOnly: true })),
};

const optional = Object.fromEntries(
  Object.entries(webhookFields).map(([k, v]) => [k, Type.Optional(v)]),
) as { [K in keyof typeof webhookFields]: TOptional<(typeof webhookFields)[K]> };

export const WebhookInput = Type.Object(
  {
    ...optional,
    name: webhookFields.name,
    uri: webhookFields.uri,
    ...readOnlyFields,
  },
  { additionalProperties: false },
);
export type WebhookInput = Static<typeof WebhookInput>;

const nullable = Object.fromEntries(
  Object.entries(webhookFields).map(([k, v]) => [k, Type.Optional(Nullable(v))]),
);

export const WebhookPatch = Type.Object(
  { ...nullable, ...readOnlyFields },
  { additionalProperties: false },
) as unknown as TSchema & { static: WebhookPatch };
export type WebhookPatch = { [K in keyof WebhookInput]?: WebhookInput[K] | null };

export const Webhook = Type.Object({
  id: Type.String(),
  ...optional,
  name: webhookFields.name,
  uri: webhookFields.uri,
  disable_reason: Type.Optional(Type.String()),
  created: Type.String({ format: 'date-time' }),
  modified: Type.String({ format: 'date-time' }),
  secret: Type.Optional(Type.String({ description: 'only on create and GET …/secret' })),
});

export const ReenableBody = Type.Object(
  {
    data: Type.Object(
      { 're-enable': Type.Unsafe<true>({ enum: [true], description: 'must be true' }) },
      { required: ['re-enable'], additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export const SecretRotateBody = Type.Object(
  {
    data: Type.Optional(
      Type.Object(
        {
          secret: Type.Optional(Type.String({ pattern: '^whsec_[A-Za-z0-9+/]{32,88}={0,2}$' })),
          grace_period_seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 7 * 86400 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
