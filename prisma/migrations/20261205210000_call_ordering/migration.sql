-- Ordered per call (opt-in): a webhook's `ordering` ("none" | "call"; NULL: its account's
-- default, else "none"), the account's default, and on each delivery the call it is ordered
-- within (a digest of the event's call id; NULL: unordered) and its place in publish order.
ALTER TABLE "webhooks" ADD COLUMN "ordering" TEXT;
ALTER TABLE "accounts" ADD COLUMN "webhook_ordering" TEXT;

-- Drawn as the delivery is stored with its event: one webhook's deliveries are numbered in the
-- order their events were stored.
ALTER TABLE "deliveries" ADD COLUMN "seq" BIGSERIAL NOT NULL;
ALTER TABLE "deliveries" ADD COLUMN "call_key" TEXT;

-- "Is an earlier event of this call still pending for this webhook?" (the lease asks it): one
-- range of the index, whatever the call's ended deliveries.
CREATE INDEX "deliveries_webhook_id_call_key_status_seq_idx" ON "deliveries"("webhook_id", "call_key", "status", "seq");
