-- Footfall on PostgreSQL, version 11: rollups under the dashboard's common filters
-- (docs/backends.md, "Filtered rollups"). A rollups row now also belongs to a filter
-- (fdim, fvalue): '' and '' for the unfiltered rows of version 4; a visits column and
-- its value for a visit-attribute filter (the visits with that value, and the events
-- of those visits); 'name' and an event name for a custom event goal (the events of
-- that name, and the visits holding one). The o_ columns count, for a part's row, only
-- what stays in that part: the events of visits that start in it, and the visits whose
-- matching event is in it (a range that starts or ends between two parts of one UTC
-- day needs those; docs). Days rolled up before are rolled up again (marked dirty; they
-- are read from events and visits meanwhile).

ALTER TABLE rollups
    ADD COLUMN fdim text COLLATE "C" NOT NULL DEFAULT '',
    ADD COLUMN fvalue text COLLATE "C" NOT NULL DEFAULT '',
    ADD COLUMN o_visits bigint NOT NULL DEFAULT 0,
    ADD COLUMN o_v_visitors bigint NOT NULL DEFAULT 0,
    ADD COLUMN o_e_visitors bigint NOT NULL DEFAULT 0,
    ADD COLUMN o_e_events bigint NOT NULL DEFAULT 0,
    ADD COLUMN o_e_pageviews bigint NOT NULL DEFAULT 0;
DROP INDEX rollups_read;
CREATE INDEX rollups_read ON rollups (site_id, fdim, fvalue, dim, local_day);

UPDATE rollup_days SET dirty = true WHERE rolled_zone IS NOT NULL;
