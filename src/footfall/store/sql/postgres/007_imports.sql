-- Imported history (footfall/imports/): Plausible's imported_* tables per site, each row
-- tagged with the import it came with (site_imports), so an import is replaced or
-- removed as a whole. Dates are the site's local days.
CREATE TABLE site_imports (
    site_id integer NOT NULL,
    digest text NOT NULL,
    source text NOT NULL,
    file_name text NOT NULL,
    start_date date,
    end_date date,
    row_count bigint NOT NULL,
    created_at timestamp with time zone NOT NULL,
    PRIMARY KEY (site_id, digest)
);
CREATE TABLE imported_visitors (
    site_id integer NOT NULL,
    import_digest text NOT NULL,
    date date NOT NULL,
    visitors bigint NOT NULL,
    pageviews bigint NOT NULL,
    bounces bigint NOT NULL,
    visits bigint NOT NULL,
    visit_duration bigint NOT NULL
);
CREATE INDEX imported_visitors_site_date ON imported_visitors (site_id, date);
CREATE TABLE imported_sources (
    site_id integer NOT NULL,
    import_digest text NOT NULL,
    date date NOT NULL,
    source text NOT NULL,
    referrer text NOT NULL,
    utm_source text NOT NULL,
    utm_medium text NOT NULL,
    utm_campaign text NOT NULL,
    utm_content text NOT NULL,
    utm_term text NOT NULL,
    pageviews bigint NOT NULL,
    visitors bigint NOT NULL,
    visits bigint NOT NULL,
    visit_duration bigint NOT NULL,
    bounces bigint NOT NULL
);
CREATE INDEX imported_sources_site_date ON imported_sources (site_id, date);
CREATE TABLE imported_pages (
    site_id integer NOT NULL,
    import_digest text NOT NULL,
    date date NOT NULL,
    hostname text NOT NULL,
    page text NOT NULL,
    visits bigint NOT NULL,
    visitors bigint NOT NULL,
    pageviews bigint NOT NULL,
    total_scroll_depth bigint NOT NULL,
    total_scroll_depth_visits bigint NOT NULL,
    total_time_on_page bigint NOT NULL,
    total_time_on_page_visits bigint NOT NULL
);
CREATE INDEX imported_pages_site_date ON imported_pages (site_id, date);
CREATE TABLE imported_entry_pages (
    site_id integer NOT NULL,
    import_digest text NOT NULL,
    date date NOT NULL,
    entry_page text NOT NULL,
    visitors bigint NOT NULL,
    entrances bigint NOT NULL,
    visit_duration bigint NOT NULL,
    bounces bigint NOT NULL,
    pageviews bigint NOT NULL
);
CREATE INDEX imported_entry_pages_site_date ON imported_entry_pages (site_id, date);
CREATE TABLE imported_exit_pages (
    site_id integer NOT NULL,
    import_digest text NOT NULL,
    date date NOT NULL,
    exit_page text NOT NULL,
    visitors bigint NOT NULL,
    visit_duration bigint NOT NULL,
    exits bigint NOT NULL,
    bounces bigint NOT NULL,
    pageviews bigint NOT NULL
);
CREATE INDEX imported_exit_pages_site_date ON imported_exit_pages (site_id, date);
CREATE TABLE imported_custom_events (
    site_id integer NOT NULL,
    import_digest text NOT NULL,
    date date NOT NULL,
    name text NOT NULL,
    link_url text NOT NULL,
    path text NOT NULL,
    visitors bigint NOT NULL,
    events bigint NOT NULL
);
CREATE INDEX imported_custom_events_site_date ON imported_custom_events (site_id, date);
CREATE TABLE imported_locations (
    site_id integer NOT NULL,
    import_digest text NOT NULL,
    date date NOT NULL,
    country text NOT NULL,
    region text NOT NULL,
    city text NOT NULL,
    visitors bigint NOT NULL,
    visits bigint NOT NULL,
    visit_duration bigint NOT NULL,
    bounces bigint NOT NULL,
    pageviews bigint NOT NULL
);
CREATE INDEX imported_locations_site_date ON imported_locations (site_id, date);
CREATE TABLE imported_devices (
    site_id integer NOT NULL,
    import_digest text NOT NULL,
    date date NOT NULL,
    device text NOT NULL,
    visitors bigint NOT NULL,
    visits bigint NOT NULL,
    visit_duration bigint NOT NULL,
    bounces bigint NOT NULL,
    pageviews bigint NOT NULL
);
CREATE INDEX imported_devices_site_date ON imported_devices (site_id, date);
CREATE TABLE imported_browsers (
    site_id integer NOT NULL,
    import_digest text NOT NULL,
    date date NOT NULL,
    browser text NOT NULL,
    browser_version text NOT NULL,
    visitors bigint NOT NULL,
    visits bigint NOT NULL,
    visit_duration bigint NOT NULL,
    bounces bigint NOT NULL,
    pageviews bigint NOT NULL
);
CREATE INDEX imported_browsers_site_date ON imported_browsers (site_id, date);
CREATE TABLE imported_operating_systems (
    site_id integer NOT NULL,
    import_digest text NOT NULL,
    date date NOT NULL,
    operating_system text NOT NULL,
    operating_system_version text NOT NULL,
    visitors bigint NOT NULL,
    visits bigint NOT NULL,
    visit_duration bigint NOT NULL,
    bounces bigint NOT NULL,
    pageviews bigint NOT NULL
);
CREATE INDEX imported_operating_systems_site_date ON imported_operating_systems (site_id, date);
