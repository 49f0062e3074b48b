import { Type } from '@sinclair/typebox';

/**
 * An account as the API answers it (the `Account` component): `tree` lists the ancestors the
 * caller may see, root first. Properties that are not ours (Kazoo's `ui_flags`…) come back too.
 */
export const Account = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    parent_id: Type.Optional(Type.String()),
    tree: Type.Array(Type.String()),
    webhook_defaults: Type.Optional(
      Type.Object({
        rate_limit: Type.Optional(Type.Integer()),
        max_in_flight: Type.Optional(Type.Integer()),
        ordering: Type.Optional(Type.String()),
      }),
    ),
    created: Type.String({ format: 'date-time' }),
    modified: Type.String({ format: 'date-time' }),
  },
  { $id: 'Account', additionalProperties: true },
);
