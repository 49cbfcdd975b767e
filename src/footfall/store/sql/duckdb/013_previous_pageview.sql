-- Each pageview's previous pageview of its visit (docs/metrics.md, time on page), kept
-- at ingest (store/sql/duckdb/queries.sql: insert_events, set_previous_pageviews): the
-- legacy time on page of a pageview is read from its next pageview's row instead of a
-- window over every pageview of the range (docs/performance.md). NULL on a visit's
-- first pageview and on every other event. Ties (two pageviews of a visit at one
-- instant) are ordered by (timestamp, pathname), as the visit's exit page is.
ALTER TABLE events ADD COLUMN IF NOT EXISTS prev_pageview_at TIMESTAMP;
ALTER TABLE events ADD COLUMN IF NOT EXISTS prev_page VARCHAR;
UPDATE events SET prev_pageview_at = w.prev_at, prev_page = w.prev_page
FROM (
    SELECT rowid AS row_id, lag(timestamp) OVER w AS prev_at, lag(pathname) OVER w AS prev_page
    FROM events WHERE name = 'pageview'
    WINDOW w AS (PARTITION BY session_id ORDER BY timestamp, pathname)
) w
WHERE events.rowid = w.row_id AND w.prev_at IS NOT NULL;
