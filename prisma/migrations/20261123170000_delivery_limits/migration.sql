-- Per-webhook delivery limits, and the account-level defaults its webhooks inherit.
ALTER TABLE "webhooks" ADD COLUMN "rate_limit" INTEGER;
ALTER TABLE "webhooks" ADD COLUMN "max_in_flight" INTEGER;
ALTER TABLE "accounts" ADD COLUMN "webhook_rate_limit" INTEGER;
ALTER TABLE "accounts" ADD COLUMN "webhook_max_in_flight" INTEGER;

-- The reconciler walks pending deliveries in (next_attempt_at, id) order, a page at a time.
DROP INDEX "deliveries_status_next_attempt_at_idx";
CREATE INDEX "deliveries_status_next_attempt_at_id_idx" ON "deliveries"("status", "next_attempt_at", "id");
