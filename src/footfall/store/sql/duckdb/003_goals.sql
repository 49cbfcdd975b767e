-- Goals: a custom event name, or a page path pattern (* and ** wildcards).
CREATE SEQUENCE IF NOT EXISTS goal_ids START 1;
CREATE TABLE IF NOT EXISTS goals (
    id INTEGER PRIMARY KEY DEFAULT nextval('goal_ids'),
    site_id INTEGER NOT NULL,
    event_name VARCHAR NOT NULL,
    page_path VARCHAR NOT NULL,
    display_name VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (site_id, display_name)
);
