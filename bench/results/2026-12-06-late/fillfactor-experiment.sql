-- EXPERIMENT: room on each deliveries page for the lease's new row version (HOT update).
CREATE OR REPLACE FUNCTION create_day_partitions(day date) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  lo timestamptz := day::timestamp AT TIME ZONE 'UTC';
  hi timestamptz := (day + 1)::timestamp AT TIME ZONE 'UTC';
  suffix text := '_p' || to_char(day, 'YYYYMMDD');
  t record;
BEGIN
  IF to_regclass('events' || suffix) IS NOT NULL THEN
    RETURN false;
  END IF;
  FOR t IN SELECT * FROM (VALUES ('events', 'created', 100), ('deliveries', 'event_created', 50),
                                 ('attempts', 'event_created', 100)) AS v(name, key, fill)
  LOOP
    EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING STORAGE) WITH (fillfactor = %s)',
                   t.name || suffix, t.name, t.fill);
    EXECUTE format('WITH moved AS (DELETE FROM %I WHERE %I >= $1 AND %I < $2 RETURNING *) INSERT INTO %I SELECT * FROM moved',
                   t.name || '_default', t.key, t.key, t.name || suffix) USING lo, hi;
    EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', t.name, t.name || suffix, lo, hi);
  END LOOP;
  RETURN true;
END $$;

DO $$
DECLARE p record;
BEGIN
  FOR p IN SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
           WHERE i.inhparent = 'deliveries'::regclass LOOP
    EXECUTE format('ALTER TABLE %I SET (fillfactor = 50)', p.relname);
  END LOOP;
END $$;
