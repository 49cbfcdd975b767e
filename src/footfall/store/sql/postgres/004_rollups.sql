-- Footfall on PostgreSQL, version 4: daily rollups (docs/backends.md, "Daily rollups").
--
-- rollup_days lists every (site, UTC day) that has events. A day is rolled up once it
-- ended over an hour ago: its rows in rollups then hold, per part of the day on one
-- local day of the site's zone (a UTC day usually meets two), and for the whole day
-- when it has several parts (whole), the totals and each visit attribute's and each
-- page's counts. A write of events for a day that has ended, and
-- a delete, mark it dirty; the day is rolled up again. Stats read rolled-up days from
-- rollups and every other day from events and visits.

CREATE TABLE rollup_days (
    site_id integer NOT NULL,
    day date NOT NULL,
    rolled_zone text,  -- the site's zone when the day was rolled up; NULL: never
    dirty boolean NOT NULL DEFAULT false,
    PRIMARY KEY (site_id, day)
);

CREATE TABLE rollups (
    site_id integer NOT NULL,
    utc_day date NOT NULL,
    local_day date NOT NULL,  -- of the part; of the day's first part when whole
    whole boolean NOT NULL,
    dim text COLLATE "C" NOT NULL,  -- '' (totals), a visits column, or 'page'
    value text COLLATE "C" NOT NULL,
    -- Visits that start in the part, by the rule (the visits table)
    visits bigint NOT NULL,
    v_visitors bigint NOT NULL,
    bounces bigint NOT NULL,
    duration bigint NOT NULL,  -- seconds of the visits that did not bounce
    v_pageviews bigint NOT NULL,
    v_events bigint NOT NULL,
    -- Events in the part
    e_visitors bigint NOT NULL,
    e_events bigint NOT NULL,
    e_pageviews bigint NOT NULL
);
CREATE INDEX rollups_read ON rollups (site_id, dim, local_day);
CREATE INDEX rollups_day ON rollups (site_id, utc_day);

INSERT INTO rollup_days (site_id, day)
SELECT DISTINCT site_id, ("timestamp" AT TIME ZONE 'UTC')::date FROM events;
