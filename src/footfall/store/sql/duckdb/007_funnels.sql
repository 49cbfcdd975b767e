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
