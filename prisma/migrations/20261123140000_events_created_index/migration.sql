-- CreateIndex
CREATE INDEX "events_created_idx" ON "events"("created");
