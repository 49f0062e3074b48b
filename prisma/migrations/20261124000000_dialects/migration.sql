-- The body shape and signatures a webhook's receiver expects (docs/dialects.md). NULL: the default,
-- kazoo for `hook` webhooks and voipbin for `event_types` webhooks, as before this column existed.
ALTER TABLE "webhooks" ADD COLUMN "dialect" TEXT;
