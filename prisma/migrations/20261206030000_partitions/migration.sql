-- Events, deliveries and attempts partitioned by the EVENT's creation time, one partition per UTC
-- day (events_p20261206, deliveries_p20261206, attempts_p20261206), so that retention drops a day
-- of all three together instead of deleting rows (docs/operations.md, "Storage and retention").
--
-- * deliveries and attempts carry their event's `created` as `event_created` (the partition key).
-- * Keys include the partition key: events (account_id, id, created), deliveries
--   (id, event_created), attempts (id, event_created).
-- * Foreign keys between the three, and from replay_deliveries to deliveries, are replaced by the
--   drop-together rule: an event, its deliveries and their attempts share one day and go together.
-- * The event-id dedup (an id is accepted once per account, however many days apart it is
--   published) no longer fits a unique index of events: it is kept by event_keys, one narrow row
--   per stored event, unique on (account_id, id).
-- * A DEFAULT partition per table catches a row of a day whose partitions are not there (yet):
--   an insert never fails for lack of a partition. create_day_partitions moves such rows into
--   their day's partitions when it makes them.
-- Existing rows are moved into the new tables; partitions are made for every day they cover.

-- 1. The old tables step aside, their constraints and indexes renamed so the names are free.
ALTER TABLE replay_deliveries DROP CONSTRAINT replay_deliveries_delivery_id_fkey;
ALTER TABLE attempts DROP CONSTRAINT attempts_delivery_id_fkey;
ALTER TABLE deliveries DROP CONSTRAINT deliveries_event_account_id_event_id_fkey;
ALTER TABLE deliveries DROP CONSTRAINT deliveries_webhook_id_fkey;
ALTER TABLE events RENAME TO events_unpartitioned;
ALTER TABLE deliveries RENAME TO deliveries_unpartitioned;
ALTER TABLE attempts RENAME TO attempts_unpartitioned;
DO $$
DECLARE
  r record;
BEGIN
  FOR r IN
    SELECT c.conname, t.relname FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
    WHERE t.relname IN ('events_unpartitioned', 'deliveries_unpartitioned', 'attempts_unpartitioned')
      AND c.contype = 'p'
  LOOP
    EXECUTE format('ALTER TABLE %I RENAME CONSTRAINT %I TO %I', r.relname, r.conname, r.conname || '_unpartitioned');
  END LOOP;
  FOR r IN
    SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
    WHERE t.relname IN ('events_unpartitioned', 'deliveries_unpartitioned', 'attempts_unpartitioned')
      AND NOT x.indisprimary
  LOOP
    EXECUTE format('ALTER INDEX %I RENAME TO %I', r.relname, r.relname || '_unpartitioned');
  END LOOP;
END $$;
-- The publish-order sequence carries on where it was (docs/delivery-scheduling.md).
ALTER SEQUENCE deliveries_seq_seq OWNED BY NONE;

-- 2. The partitioned tables, with the columns, keys and indexes the old ones had.
CREATE TABLE "events" (
    "account_id" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "created" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "fanned_out_at" TIMESTAMPTZ(3),
    "call_id" TEXT,
    CONSTRAINT "events_pkey" PRIMARY KEY ("account_id", "id", "created")
) PARTITION BY RANGE ("created");

CREATE TABLE "deliveries" (
    "id" TEXT NOT NULL,
    "event_account_id" TEXT NOT NULL,
    "event_id" TEXT NOT NULL,
    "webhook_id" TEXT,
    "account_id" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "trigger" TEXT NOT NULL DEFAULT 'auto',
    "tries" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_error" TEXT,
    "created" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "modified" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lease_until" TIMESTAMPTZ(3),
    "seq" BIGINT NOT NULL DEFAULT nextval('deliveries_seq_seq'),
    "call_key" TEXT,
    -- No default: every insert sets it from its event, or the row would land in the wrong day.
    "event_created" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "deliveries_pkey" PRIMARY KEY ("id", "event_created")
) PARTITION BY RANGE ("event_created");
ALTER SEQUENCE deliveries_seq_seq OWNED BY deliveries.seq;

CREATE TABLE "attempts" (
    "id" TEXT NOT NULL,
    "delivery_id" TEXT NOT NULL,
    "webhook_id" TEXT,
    "account_id" TEXT NOT NULL,
    "event_id" TEXT NOT NULL,
    "hook_event" TEXT NOT NULL,
    "uri" TEXT NOT NULL,
    "method" TEXT NOT NULL,
    "req_headers" JSONB NOT NULL,
    "req_body" TEXT NOT NULL,
    "resp_status_code" INTEGER,
    "resp_headers" JSONB,
    "resp_body" TEXT,
    "try" INTEGER NOT NULL,
    "retries_left" INTEGER NOT NULL,
    "result" TEXT NOT NULL,
    "reason" TEXT,
    "client_error" TEXT,
    "duration_ms" INTEGER NOT NULL,
    "created" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "event_created" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "attempts_pkey" PRIMARY KEY ("id", "event_created")
) PARTITION BY RANGE ("event_created");

CREATE TABLE events_default PARTITION OF events DEFAULT;
CREATE TABLE deliveries_default PARTITION OF deliveries DEFAULT;
CREATE TABLE attempts_default PARTITION OF attempts DEFAULT;

CREATE INDEX "events_fanned_out_at_created_idx" ON "events"("fanned_out_at", "created");
CREATE INDEX "events_created_idx" ON "events"("created");
CREATE INDEX "events_account_id_created_id_idx" ON "events"("account_id", "created" DESC, "id" DESC);
CREATE INDEX "events_account_id_type_created_id_idx" ON "events"("account_id", "type", "created" DESC, "id" DESC);
CREATE INDEX "events_call_id_idx" ON "events"("call_id");

CREATE INDEX "deliveries_event_account_id_event_id_idx" ON "deliveries"("event_account_id", "event_id");
CREATE INDEX "deliveries_webhook_id_status_created_idx" ON "deliveries"("webhook_id", "status", "created");
CREATE INDEX "deliveries_status_next_attempt_at_id_idx" ON "deliveries"("status", "next_attempt_at", "id");
CREATE INDEX "deliveries_webhook_id_call_key_status_seq_idx" ON "deliveries"("webhook_id", "call_key", "status", "seq");

CREATE INDEX "attempts_account_id_created_id_idx" ON "attempts"("account_id", "created" DESC, "id" DESC);
CREATE INDEX "attempts_webhook_id_created_id_idx" ON "attempts"("webhook_id", "created" DESC, "id" DESC);
CREATE INDEX "attempts_delivery_id_idx" ON "attempts"("delivery_id");
CREATE INDEX "attempts_account_id_event_id_idx" ON "attempts"("account_id", "event_id");
CREATE INDEX "attempts_account_id_result_created_id_idx" ON "attempts"("account_id", "result", "created" DESC, "id" DESC);
CREATE INDEX "attempts_account_id_resp_status_code_created_id_idx" ON "attempts"("account_id", "resp_status_code", "created" DESC, "id" DESC);
CREATE INDEX "attempts_account_id_client_error_created_id_idx" ON "attempts"("account_id", "client_error", "created" DESC, "id" DESC);
CREATE INDEX "attempts_account_id_hook_event_created_id_idx" ON "attempts"("account_id", "hook_event", "created" DESC, "id" DESC);

-- A webhook deleted leaves its deliveries in the log (tenancy by account_id).
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_webhook_id_fkey" FOREIGN KEY ("webhook_id") REFERENCES "webhooks"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- 3. The event-id dedup: one row per stored event, written in the publish statement before the
-- event (ON CONFLICT DO NOTHING on this key decides whether the event is new), removed by
-- retention once its day has been dropped. `created` is the event's, so a day's keys are found
-- by range.
CREATE TABLE "event_keys" (
    "account_id" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "created" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "event_keys_pkey" PRIMARY KEY ("account_id", "id")
);
CREATE INDEX "event_keys_created_idx" ON "event_keys"("created");

-- 4. One day's partitions of the three tables. Rows of that day waiting in a DEFAULT partition
-- move in first; the partition is then attached, which takes only a SHARE UPDATE EXCLUSIVE lock
-- on the parent (CREATE TABLE … PARTITION OF would take ACCESS EXCLUSIVE and block publishing).
-- False when the day's partitions were there already. Callers serialise (an advisory lock).
CREATE FUNCTION create_day_partitions(day date) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  lo timestamptz := day::timestamp AT TIME ZONE 'UTC';
  hi timestamptz := (day + 1)::timestamp AT TIME ZONE 'UTC';
  suffix text := '_p' || to_char(day, 'YYYYMMDD');
  t record;
BEGIN
  IF to_regclass('events' || suffix) IS NOT NULL THEN
    RETURN false;
  END IF;
  FOR t IN SELECT * FROM (VALUES ('events', 'created'), ('deliveries', 'event_created'),
                                 ('attempts', 'event_created')) AS v(name, key)
  LOOP
    EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING STORAGE)', t.name || suffix, t.name);
    EXECUTE format('WITH moved AS (DELETE FROM %I WHERE %I >= $1 AND %I < $2 RETURNING *) INSERT INTO %I SELECT * FROM moved',
                   t.name || '_default', t.key, t.key, t.name || suffix) USING lo, hi;
    EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', t.name, t.name || suffix, lo, hi);
  END LOOP;
  RETURN true;
END $$;

-- 5. Existing rows move in: partitions for every day they cover and the next two, then the rows.
SELECT create_day_partitions(d) FROM (
  SELECT DISTINCT (created AT TIME ZONE 'UTC')::date AS d FROM events_unpartitioned
  UNION SELECT (now() AT TIME ZONE 'UTC')::date + n FROM generate_series(0, 2) n
) days ORDER BY d;

INSERT INTO events (account_id, id, type, payload, created, fanned_out_at, call_id)
SELECT account_id, id, type, payload, created, fanned_out_at, call_id FROM events_unpartitioned;
INSERT INTO event_keys (account_id, id, created)
SELECT account_id, id, created FROM events_unpartitioned;
INSERT INTO deliveries (id, event_account_id, event_id, webhook_id, account_id, status, trigger, tries,
  next_attempt_at, last_error, created, modified, lease_until, seq, call_key, event_created)
SELECT d.id, d.event_account_id, d.event_id, d.webhook_id, d.account_id, d.status, d.trigger, d.tries,
  d.next_attempt_at, d.last_error, d.created, d.modified, d.lease_until, d.seq, d.call_key, e.created
FROM deliveries_unpartitioned d
JOIN events_unpartitioned e ON e.account_id = d.event_account_id AND e.id = d.event_id;
INSERT INTO attempts (id, delivery_id, webhook_id, account_id, event_id, hook_event, uri, method,
  req_headers, req_body, resp_status_code, resp_headers, resp_body, try, retries_left, result, reason,
  client_error, duration_ms, created, event_created)
SELECT a.id, a.delivery_id, a.webhook_id, a.account_id, a.event_id, a.hook_event, a.uri, a.method,
  a.req_headers, a.req_body, a.resp_status_code, a.resp_headers, a.resp_body, a.try, a.retries_left,
  a.result, a.reason, a.client_error, a.duration_ms, a.created, e.created
FROM attempts_unpartitioned a
JOIN deliveries_unpartitioned d ON d.id = a.delivery_id
JOIN events_unpartitioned e ON e.account_id = d.event_account_id AND e.id = d.event_id;

DROP TABLE attempts_unpartitioned;
DROP TABLE deliveries_unpartitioned;
DROP TABLE events_unpartitioned;
