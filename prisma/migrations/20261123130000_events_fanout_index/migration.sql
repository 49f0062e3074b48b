-- DropIndex
DROP INDEX "events_pending_fanout_idx";

-- CreateIndex
CREATE INDEX "events_fanned_out_at_created_idx" ON "events"("fanned_out_at", "created");
