-- Funnels: 2 to 8 steps per funnel, as JSON [[event_name, page_path], ...] (domain.py).
CREATE SEQUENCE IF NOT EXISTS funnel_ids START 1;
CREATE TABLE IF NOT EXISTS funnels (
    id INTEGER PRIMARY KEY DEFAULT nextval('funnel_ids'),
    site_id INTEGER NOT NULL,
    name VARCHAR NOT NULL,
    steps VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (site_id, name)
);
-- Segments: a saved filter set (JSON, a v2 filters list) per site, a user's own
-- (owner_id = the user) or shared with everyone who sees the site (owner_id = 0).
CREATE SEQUENCE IF NOT EXISTS segment_ids START 1;
CREATE TABLE IF NOT EXISTS segments (
    id INTEGER PRIMARY KEY DEFAULT nextval('segment_ids'),
    site_id INTEGER NOT NULL,
    owner_id INTEGER NOT NULL,
    name VARCHAR NOT NULL,
    filters VARCHAR NOT NULL,
    created_by INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (site_id, owner_id, name)
);
