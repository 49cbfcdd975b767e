-- Footfall on PostgreSQL, version 9: the indexes a filtered dashboard reads through
-- (docs/backends.md, "Filtered views"). A page filter (and a page goal, whose pattern
-- starts with a fixed prefix) reads the events of that page, a custom event goal (and
-- an event name filter) those of that name, instead of every event of the range.
CREATE INDEX events_site_page_time ON events (site_id, pathname, "timestamp");
CREATE INDEX events_site_name_time ON events (site_id, name, "timestamp");
