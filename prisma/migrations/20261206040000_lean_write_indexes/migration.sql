-- Indexes that only the rare rows need leave the common rows out. Most attempts succeed with a
-- 200, most deliveries are not ordered by call, and every event published through the API is
-- fanned out as it is stored: the rows written on the hot path then skip these indexes entirely,
-- and the searches and lookups that use them name a value only the indexed rows can have
-- (src/store/attempts.ts, deliveries.ts, events.ts). Same names and columns as before.

-- The reconciler's question: events still owing their fan-out.
DROP INDEX "events_fanned_out_at_created_idx";
CREATE INDEX "events_fanned_out_at_created_idx" ON "events"("fanned_out_at", "created")
  WHERE "fanned_out_at" IS NULL;

-- A call's events (GET …/events?call_id=, the attempts log by call id).
DROP INDEX "events_call_id_idx";
CREATE INDEX "events_call_id_idx" ON "events"("call_id") WHERE "call_id" IS NOT NULL;

-- The lease's question "is an earlier event of this call pending?" exists only for ordered deliveries.
DROP INDEX "deliveries_webhook_id_call_key_status_seq_idx";
CREATE INDEX "deliveries_webhook_id_call_key_status_seq_idx"
  ON "deliveries"("webhook_id", "call_key", "status", "seq") WHERE "call_key" IS NOT NULL;

-- The attempts log's filters on failures: result=failure, a status code other than 200, an error code.
DROP INDEX "attempts_account_id_result_created_id_idx";
CREATE INDEX "attempts_account_id_result_created_id_idx"
  ON "attempts"("account_id", "result", "created" DESC, "id" DESC) WHERE "result" <> 'success';
DROP INDEX "attempts_account_id_resp_status_code_created_id_idx";
CREATE INDEX "attempts_account_id_resp_status_code_created_id_idx"
  ON "attempts"("account_id", "resp_status_code", "created" DESC, "id" DESC)
  WHERE "resp_status_code" <> 200;
DROP INDEX "attempts_account_id_client_error_created_id_idx";
CREATE INDEX "attempts_account_id_client_error_created_id_idx"
  ON "attempts"("account_id", "client_error", "created" DESC, "id" DESC)
  WHERE "client_error" IS NOT NULL;
