-- Kazoo keeps any property of a document it does not know (ui_metadata, ui_flags, group…) and
-- returns it: webhooks and accounts store theirs here, bounded by SWITCHBOARD_MAX_EXTRA_PROPERTIES_BYTES.
ALTER TABLE "webhooks" ADD COLUMN "extra" JSONB NOT NULL DEFAULT '{}';
ALTER TABLE "accounts" ADD COLUMN "extra" JSONB NOT NULL DEFAULT '{}';
