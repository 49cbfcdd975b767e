-- Footfall embedded schema, version 1.
CREATE SEQUENCE IF NOT EXISTS site_ids START 1;

CREATE TABLE IF NOT EXISTS sites (
    id INTEGER PRIMARY KEY DEFAULT nextval('site_ids'),
    domain VARCHAR NOT NULL UNIQUE,
    timezone VARCHAR NOT NULL DEFAULT 'UTC',
    umami_website_id VARCHAR NOT NULL UNIQUE,
    retention_days INTEGER,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS api_keys (
    prefix VARCHAR PRIMARY KEY,
    site_id INTEGER NOT NULL,
    digest BLOB NOT NULL,
    scopes VARCHAR NOT NULL,
    name VARCHAR NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP
);

CREATE TABLE IF NOT EXISTS salts (
    day DATE PRIMARY KEY,
    salt BLOB NOT NULL
);

-- One row per stored event. Times are UTC; sites' time zones apply at query time.
-- No column ever holds an IP address or a user-agent string.
CREATE TABLE IF NOT EXISTS events (
    site_id INTEGER NOT NULL,
    timestamp TIMESTAMP NOT NULL,
    name VARCHAR NOT NULL,
    hostname VARCHAR NOT NULL,
    pathname VARCHAR NOT NULL,
    visitor_id BIGINT NOT NULL,
    session_id BIGINT NOT NULL,
    referrer VARCHAR NOT NULL,
    referrer_source VARCHAR NOT NULL,
    channel VARCHAR NOT NULL,
    utm_medium VARCHAR NOT NULL,
    utm_source VARCHAR NOT NULL,
    utm_campaign VARCHAR NOT NULL,
    utm_content VARCHAR NOT NULL,
    utm_term VARCHAR NOT NULL,
    click_id_param VARCHAR NOT NULL,
    country VARCHAR NOT NULL,
    region VARCHAR NOT NULL,
    city VARCHAR NOT NULL,
    browser VARCHAR NOT NULL,
    browser_version VARCHAR NOT NULL,
    os VARCHAR NOT NULL,
    os_version VARCHAR NOT NULL,
    device VARCHAR NOT NULL,
    screen_size VARCHAR NOT NULL,
    language VARCHAR NOT NULL,
    props MAP(VARCHAR, VARCHAR) NOT NULL,
    revenue_amount DECIMAL(18, 4),
    revenue_currency VARCHAR NOT NULL,
    interactive BOOLEAN NOT NULL,
    entry_page VARCHAR NOT NULL
);
