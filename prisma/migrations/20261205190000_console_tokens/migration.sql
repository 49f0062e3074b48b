-- Console links (PUT /v2/accounts/{A}/console_tokens) are auth tokens with scopes of their own:
-- a read-only link must not carry its key's `manage`. Empty: the token has its key's scopes.
ALTER TABLE "auth_tokens" ADD COLUMN "scopes" TEXT[] DEFAULT ARRAY[]::TEXT[];
