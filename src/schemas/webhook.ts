import { Type, type Static, type TOptional, type TSchema } from '@sinclair/typebox';
import { HOOK_IDS } from '../domain/catalogue/hooks.ts';
import { EVENT_TYPE_NAMES } from '../domain/catalogue/event-types.ts';
import { Nullable, StringEnum } from './common.ts';
import { DIALECT_NAMES } from '../domain/dialects/registry.ts';
import { ORDERINGS } from '../domain/call-order.ts';

const SCALAR_TYPES = ['string', 'number', 'boolean'];
/** A modifier value: a scalar ("equals") or a list of scalars ("one of"); one schema, so one clear error. */
const ModifierValue = Type.Unsafe<string | number | boolean | Array<string | number | boolean>>({
  type: [...SCALAR_TYPES, 'array'],
  items: { type: SCALAR_TYPES, maxLength: 1024 },
  maxItems: 100,
  maxLength: 1024,
});

/**
 * The webhook's circuit breaker: `closed` (deliveries flow), `open` (its endpoint kept timing out
 * or refusing connections; deliveries wait until `until`), `half_open` (one probe goes).
 */
export const Circuit = Type.Object({
  state: StringEnum(['closed', 'open', 'half_open'] as const),
  until: Type.Optional(Type.String({ format: 'date-time' })),
  failures: Type.Integer({ description: 'timeouts and connection errors in a row' }),
});

/** Field names in custom_data and modifiers: payload keys are short. */
const FieldName = Type.String({ minLength: 1, maxLength: 128 });

/**
 * Every writable webhook field, with its rule. Sizes that are settings (custom_data and modifiers
 * in bytes, uri length) are checked after the schema: domain/webhook-document.ts.
 */
export const webhookFields = {
  name: Type.String({ minLength: 1, maxLength: 128 }),
  uri: Type.String({
    minLength: 1,
    maxLength: 2048,
    format: 'uri',
    description: 'absolute http(s) URL; may carry basic-auth credentials',
  }),
  http_verb: StringEnum(['get', 'post', 'put'] as const, { default: 'post' }),
  format: StringEnum(['json', 'form-data'] as const, {
    default: 'json',
    description:
      'json or form-data (GET hooks send a query string either way); a dialect name here (e.g. "jambonz") means that dialect, JSON',
  }),
  dialect: StringEnum(DIALECT_NAMES, {
    description:
      "the receiver's schema and signatures: kazoo, voipbin, standard (Standard Webhooks), jambonz, jaxl; absent: kazoo for hook, voipbin for event_types. Also accepted as `profile`",
  }),
  hook: StringEnum(HOOK_IDS, { description: 'a hook id from GET /v2/webhooks, or "all"' }),
  event_types: Type.Array(StringEnum(EVENT_TYPE_NAMES), {
    minItems: 1,
    maxItems: 100,
    uniqueItems: true,
    description: 'VoIPBIN-style alternative to hook',
  }),
  retries: Type.Integer({ minimum: 0, maximum: 4, default: 2 }),
  // Any JSON object, as Kazoo's schema (a superset of its UI's string values); its size in bytes
  // is a setting (SWITCHBOARD_MAX_CUSTOM_DATA_BYTES).
  custom_data: Type.Object(
    {},
    {
      additionalProperties: true,
      propertyNames: FieldName,
      maxProperties: 50,
      description:
        'any JSON object: merged into flat payloads; for object and notifications hooks also a filter',
    },
  ),
  modifiers: Type.Object(
    {},
    { additionalProperties: ModifierValue, propertyNames: FieldName, maxProperties: 50 },
  ),
  custom_request_headers: Type.Object(
    {},
    {
      additionalProperties: Type.String({ maxLength: 1024, pattern: '^[^\\r\\n\\u0000]*$' }),
      maxProperties: 20,
      description:
        'Kazoo 4.3+: extra headers sent with every delivery; never the signature, content-type, host or hop-by-hop headers',
    },
  ),
  include_subaccounts: Type.Boolean({ default: false }),
  include_internal_legs: Type.Boolean({
    default: true,
    description: "Kazoo's flag: false drops events of internal call legs (is_internal_leg: true)",
  }),
  enabled: Type.Boolean({ default: true }),
  // No schema default: the serialiser would add `call_control: false` to every webhook, and the
  // documents of ordinary hooks read as they always did.
  call_control: Type.Boolean({
    description:
      'default false. True: reached only by POST …/events/invoke, which returns its answer to the caller, never by asynchronous delivery (docs/call-control.md). Shown only when true',
  }),
  rate_limit: Type.Integer({
    minimum: 1,
    maximum: 100_000,
    description:
      'deliveries per second to this webhook, cluster-wide; over it deliveries wait (absent: the account default, else no limit)',
  }),
  max_in_flight: Type.Integer({
    minimum: 1,
    maximum: 1_000,
    description:
      'deliveries in flight at once to this webhook, cluster-wide (absent: the account default, else the server setting)',
  }),
  ordering: StringEnum(ORDERINGS, {
    description:
      "call: the events of one call reach this webhook in publish order, one at a time; none: no order, full concurrency (absent: the account's webhook_defaults.ordering, else none). docs/delivery-scheduling.md",
  }),
};

/**
 * Read-only fields a client may echo back (GET, edit, POST): accepted and ignored. Any other
 * property that is not a field above is kept as sent and returned (Kazoo's `ui_metadata`,
 * `group`…), within SWITCHBOARD_MAX_EXTRA_PROPERTIES_BYTES (domain/kazoo-document.ts).
 */
const readOnlyFields = {
  id: Type.Optional(Type.String({ readOnly: true })),
  disable_reason: Type.Optional(Type.Union([Type.String(), Type.Null()], { readOnly: true })),
  created: Type.Optional(Type.String({ readOnly: true })),
  modified: Type.Optional(Type.String({ readOnly: true })),
  circuit: Type.Optional(Type.Unknown({ readOnly: true })),
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
  { additionalProperties: true },
);
export type WebhookInput = Static<typeof WebhookInput>;

const nullable = Object.fromEntries(
  Object.entries(webhookFields).map(([k, v]) => [k, Type.Optional(Nullable(v))]),
);

export const WebhookPatch = Type.Object(
  { ...nullable, ...readOnlyFields },
  { additionalProperties: true },
) as unknown as TSchema & { static: WebhookPatch };
export type WebhookPatch = { [K in keyof WebhookInput]?: WebhookInput[K] | null };

/**
 * A webhook as the API answers it (the `Webhook` component of the OpenAPI document). Properties
 * that are not ours (Kazoo's `ui_metadata`, `group`…) come back too: additional properties.
 */
export const Webhook = Type.Object(
  {
    id: Type.String(),
    ...optional,
    // Answered as stored: a value is a scalar or a list (the serializer must not pick one type).
    modifiers: Type.Optional(
      Type.Object({}, { additionalProperties: true, description: 'field → value or list' }),
    ),
    name: webhookFields.name,
    uri: webhookFields.uri,
    disable_reason: Type.Optional(Type.String()),
    circuit: Type.Optional(Circuit),
    created: Type.String({ format: 'date-time' }),
    modified: Type.String({ format: 'date-time' }),
    secret: Type.Optional(Type.String({ description: 'only on create' })),
  },
  { $id: 'Webhook', additionalProperties: true },
);

export const ReenableBody = Type.Object(
  {
    data: Type.Object(
      {
        're-enable': Type.Unsafe<true>({ enum: [true], description: 'must be true' }),
        // Kazoo's UI sends its ui_metadata with every write, this one too: taken and ignored.
        ui_metadata: Type.Optional(
          Type.Unknown({ description: "Kazoo UI's metadata: accepted and ignored" }),
        ),
      },
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
