-- A searchable delivery log (GET …/webhooks/attempts filters, GET …/events, bulk replays).

-- The call an event is about, in every dialect (Kazoo call_id, VoIPBIN id, jambonz call_sid),
-- read once at publish so that it can be indexed; NULL for events that are not about a call.
ALTER TABLE "events" ADD COLUMN "call_id" TEXT;

-- An account's events newest first, alone or by type; a call's events (call ids are unique
-- enough that the account is checked on the few rows found).
CREATE INDEX "events_account_id_created_id_idx" ON "events"("account_id", "created" DESC, "id" DESC);
CREATE INDEX "events_account_id_type_created_id_idx" ON "events"("account_id", "type", "created" DESC, "id" DESC);
CREATE INDEX "events_call_id_idx" ON "events"("call_id");

-- Each attempts filter walks its own index newest first, so a page of a rare value does not scan
-- the account's whole log; an event's attempts are found directly.
CREATE INDEX "attempts_account_id_event_id_idx" ON "attempts"("account_id", "event_id");
CREATE INDEX "attempts_account_id_result_created_id_idx" ON "attempts"("account_id", "result", "created" DESC, "id" DESC);
CREATE INDEX "attempts_account_id_resp_status_code_created_id_idx" ON "attempts"("account_id", "resp_status_code", "created" DESC, "id" DESC);
CREATE INDEX "attempts_account_id_client_error_created_id_idx" ON "attempts"("account_id", "client_error", "created" DESC, "id" DESC);
CREATE INDEX "attempts_account_id_hook_event_created_id_idx" ON "attempts"("account_id", "hook_event", "created" DESC, "id" DESC);

-- Bulk replays: one row per replay, its filter and progress; each delivery it queued once.
CREATE TABLE "replays" (
    "id" TEXT NOT NULL,
    "account_id" TEXT NOT NULL,
    "idempotency_key" TEXT NOT NULL,
    "filter" JSONB NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'running',
    "matched" INTEGER NOT NULL DEFAULT 0,
    "queued" INTEGER NOT NULL DEFAULT 0,
    "cursor_created" TIMESTAMPTZ(3),
    "cursor_id" TEXT,
    "created" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "modified" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "replays_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "replays_account_id_idempotency_key_key" ON "replays"("account_id", "idempotency_key");
CREATE INDEX "replays_state_modified_idx" ON "replays"("state", "modified");
ALTER TABLE "replays" ADD CONSTRAINT "replays_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "replay_deliveries" (
    "replay_id" TEXT NOT NULL,
    "delivery_id" TEXT NOT NULL,
    CONSTRAINT "replay_deliveries_pkey" PRIMARY KEY ("replay_id", "delivery_id")
);
CREATE INDEX "replay_deliveries_delivery_id_idx" ON "replay_deliveries"("delivery_id");
ALTER TABLE "replay_deliveries" ADD CONSTRAINT "replay_deliveries_replay_id_fkey" FOREIGN KEY ("replay_id") REFERENCES "replays"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "replay_deliveries" ADD CONSTRAINT "replay_deliveries_delivery_id_fkey" FOREIGN KEY ("delivery_id") REFERENCES "deliveries"("id") ON DELETE CASCADE ON UPDATE CASCADE;
