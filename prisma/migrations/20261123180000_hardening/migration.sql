-- API keys carry scopes (docs/security.md). Keys made before scopes existed keep what they could
-- do through the API except publishing, which becomes the platform's privilege.
-- (A list column, nullable as Prisma makes every list; the default fills existing rows.)
ALTER TABLE "api_keys" ADD COLUMN     "scopes" TEXT[] DEFAULT ARRAY['read', 'manage']::TEXT[],
ADD COLUMN     "root_key" BOOLEAN NOT NULL DEFAULT false;

-- The keys set up at start (from SWITCHBOARD_ROOT_KEY, or generated) are marked, so that a new
-- root key retires the previous one; they hold every scope.
UPDATE "api_keys" AS k SET "root_key" = true, "scopes" = ARRAY['read', 'manage', 'publish']::TEXT[]
FROM "accounts" AS a
WHERE a."id" = k."account_id" AND a."parent_id" IS NULL
  AND k."name" IN ('root (SWITCHBOARD_ROOT_KEY)', 'root (generated)');

-- A stored prefix is at most 8 characters and never a whole key: generated keys keep "sbk_" and
-- four more; a key chosen by an operator (possibly short) keeps none.
UPDATE "api_keys" SET "prefix" = CASE WHEN "prefix" LIKE 'sbk\_%' THEN left("prefix", 8) ELSE '' END;
