-- Imported history (footfall/imports/): Plausible's imported_* tables per site, each row
-- tagged with the import it came with (site_imports), so an import is replaced or
-- removed as a whole. Dates are the site's local days.
CREATE TABLE IF NOT EXISTS site_imports (
    site_id INTEGER NOT NULL,
    digest VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    file_name VARCHAR NOT NULL,
    start_date date,
    end_date date,
    row_count BIGINT NOT NULL,
    created_at timestamp NOT NULL,
    PRIMARY KEY (site_id, digest)
);
CREATE TABLE IF NOT EXISTS imported_visitors (
    site_id INTEGER NOT NULL,
    import_digest VARCHAR NOT NULL,
    date date NOT NULL,
    visitors BIGINT NOT NULL,
    pageviews BIGINT NOT NULL,
    bounces BIGINT NOT NULL,
    visits BIGINT NOT NULL,
    visit_duration BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS imported_visitors_site_date ON imported_visitors (site_id, date);
CREATE TABLE IF NOT EXISTS imported_sources (
    site_id INTEGER NOT NULL,
    import_digest VARCHAR NOT NULL,
    date date NOT NULL,
    source VARCHAR NOT NULL,
    referrer VARCHAR NOT NULL,
    utm_source VARCHAR NOT NULL,
    utm_medium VARCHAR NOT NULL,
    utm_campaign VARCHAR NOT NULL,
    utm_content VARCHAR NOT NULL,
    utm_term VARCHAR NOT NULL,
    pageviews BIGINT NOT NULL,
    visitors BIGINT NOT NULL,
    visits BIGINT NOT NULL,
    visit_duration BIGINT NOT NULL,
    bounces BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS imported_sources_site_date ON imported_sources (site_id, date);
CREATE TABLE IF NOT EXISTS imported_pages (
    site_id INTEGER NOT NULL,
    import_digest VARCHAR NOT NULL,
    date date NOT NULL,
    hostname VARCHAR NOT NULL,
    page VARCHAR NOT NULL,
    visits BIGINT NOT NULL,
    visitors BIGINT NOT NULL,
    pageviews BIGINT NOT NULL,
    total_scroll_depth BIGINT NOT NULL,
    total_scroll_depth_visits BIGINT NOT NULL,
    total_time_on_page BIGINT NOT NULL,
    total_time_on_page_visits BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS imported_pages_site_date ON imported_pages (site_id, date);
CREATE TABLE IF NOT EXISTS imported_entry_pages (
    site_id INTEGER NOT NULL,
    import_digest VARCHAR NOT NULL,
    date date NOT NULL,
    entry_page VARCHAR NOT NULL,
    visitors BIGINT NOT NULL,
    entrances BIGINT NOT NULL,
    visit_duration BIGINT NOT NULL,
    bounces BIGINT NOT NULL,
    pageviews BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS imported_entry_pages_site_date ON imported_entry_pages (site_id, date);
CREATE TABLE IF NOT EXISTS imported_exit_pages (
    site_id INTEGER NOT NULL,
    import_digest VARCHAR NOT NULL,
    date date NOT NULL,
    exit_page VARCHAR NOT NULL,
    visitors BIGINT NOT NULL,
    visit_duration BIGINT NOT NULL,
    exits BIGINT NOT NULL,
    bounces BIGINT NOT NULL,
    pageviews BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS imported_exit_pages_site_date ON imported_exit_pages (site_id, date);
CREATE TABLE IF NOT EXISTS imported_custom_events (
    site_id INTEGER NOT NULL,
    import_digest VARCHAR NOT NULL,
    date date NOT NULL,
    name VARCHAR NOT NULL,
    link_url VARCHAR NOT NULL,
    path VARCHAR NOT NULL,
    visitors BIGINT NOT NULL,
    events BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS imported_custom_events_site_date ON imported_custom_events (site_id, date);
CREATE TABLE IF NOT EXISTS imported_locations (
    site_id INTEGER NOT NULL,
    import_digest VARCHAR NOT NULL,
    date date NOT NULL,
    country VARCHAR NOT NULL,
    region VARCHAR NOT NULL,
    city VARCHAR NOT NULL,
    visitors BIGINT NOT NULL,
    visits BIGINT NOT NULL,
    visit_duration BIGINT NOT NULL,
    bounces BIGINT NOT NULL,
    pageviews BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS imported_locations_site_date ON imported_locations (site_id, date);
CREATE TABLE IF NOT EXISTS imported_devices (
    site_id INTEGER NOT NULL,
    import_digest VARCHAR NOT NULL,
    date date NOT NULL,
    device VARCHAR NOT NULL,
    visitors BIGINT NOT NULL,
    visits BIGINT NOT NULL,
    visit_duration BIGINT NOT NULL,
    bounces BIGINT NOT NULL,
    pageviews BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS imported_devices_site_date ON imported_devices (site_id, date);
CREATE TABLE IF NOT EXISTS imported_browsers (
    site_id INTEGER NOT NULL,
    import_digest VARCHAR NOT NULL,
    date date NOT NULL,
    browser VARCHAR NOT NULL,
    browser_version VARCHAR NOT NULL,
    visitors BIGINT NOT NULL,
    visits BIGINT NOT NULL,
    visit_duration BIGINT NOT NULL,
    bounces BIGINT NOT NULL,
    pageviews BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS imported_browsers_site_date ON imported_browsers (site_id, date);
CREATE TABLE IF NOT EXISTS imported_operating_systems (
    site_id INTEGER NOT NULL,
    import_digest VARCHAR NOT NULL,
    date date NOT NULL,
    operating_system VARCHAR NOT NULL,
    operating_system_version VARCHAR NOT NULL,
    visitors BIGINT NOT NULL,
    visits BIGINT NOT NULL,
    visit_duration BIGINT NOT NULL,
    bounces BIGINT NOT NULL,
    pageviews BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS imported_operating_systems_site_date ON imported_operating_systems (site_id, date);
