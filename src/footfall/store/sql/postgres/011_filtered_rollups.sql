-- Footfall on PostgreSQL, version 11: rollups under the dashboard's common filters
-- (docs/backends.md, "Filtered rollups"). A rollups row now also belongs to a filter
-- (fdim, fvalue): '' and '' for the unfiltered rows of version 4; a visits column and
-- its value for a visit-attribute filter (the visits with that value, and the events
-- of those visits); 'name' and an event name for a custom event goal (the events of
-- that name, and the visits holding one). The o_ columns count, for a part's row, only
-- what stays in that part: the events of visits that start in it, and the visits whose
-- matching event is in it (a range that starts or ends between two parts of one UTC
-- day needs those; docs). rollup_days.filtered: whether the day's filtered rows are in
-- (rolled up since this version). Days rolled up before are rolled up again (due while
-- not filtered); meanwhile their unfiltered rows answer, and only filtered questions
-- read those days from events and visits.

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

ALTER TABLE rollup_days ADD COLUMN filtered boolean NOT NULL DEFAULT false;
