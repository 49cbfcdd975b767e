-- Footfall on PostgreSQL, version 10: monthly partitions of
-- events are made and dropped through two functions that run with their owner's rights
-- (SECURITY DEFINER; the owner is the role that ran the migrations). The application
-- role of a stack then needs no ownership of events, which adding or dropping a
-- partition would otherwise demand (docs/deploy.md, "The application's database
-- role"). A server that owns the tables calls them the same way.

-- The partition of events that holds ``month`` (any day of it), created when missing.
CREATE FUNCTION footfall_create_partition(month date) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    lo timestamptz := date_trunc('month', month::timestamp) AT TIME ZONE 'UTC';
    hi timestamptz := (date_trunc('month', month::timestamp) + interval '1 month') AT TIME ZONE 'UTC';
BEGIN
    EXECUTE format(
        'CREATE TABLE IF NOT EXISTS %I.%I PARTITION OF %I.events FOR VALUES FROM (%L) TO (%L)',
        current_schema(), 'events_p' || to_char(month, 'YYYYMM'), current_schema(), lo, hi
    );
END
$$;

-- Drops the partition of ``month`` if it holds no event (writers are kept out while it
-- checks); true when dropped. The caller sets lock_timeout.
CREATE FUNCTION footfall_drop_partition(month date) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    lo timestamptz := date_trunc('month', month::timestamp) AT TIME ZONE 'UTC';
    hi timestamptz := (date_trunc('month', month::timestamp) + interval '1 month') AT TIME ZONE 'UTC';
BEGIN
    EXECUTE format('LOCK TABLE ONLY %I.events IN ACCESS EXCLUSIVE MODE', current_schema());
    IF EXISTS (SELECT 1 FROM events WHERE "timestamp" >= lo AND "timestamp" < hi) THEN
        RETURN false;
    END IF;
    EXECUTE format('DROP TABLE IF EXISTS %I.%I', current_schema(), 'events_p' || to_char(month, 'YYYYMM'));
    RETURN true;
END
$$;

-- Names resolve in this schema, never in a caller's temporary tables (pg_temp last), and
-- only roles granted EXECUTE may call them (footfall/store/postgres/roles.py grants it).
DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION footfall_create_partition(date) SET search_path = %I, pg_temp', current_schema());
    EXECUTE format('ALTER FUNCTION footfall_drop_partition(date) SET search_path = %I, pg_temp', current_schema());
END
$$;
REVOKE EXECUTE ON FUNCTION footfall_create_partition(date), footfall_drop_partition(date) FROM PUBLIC;
