-- Traffic shields (footfall/shields.py): a site's rules as the owner typed them, one
-- JSON object of lists; and how many of the site's events were dropped, by reason.
CREATE TABLE IF NOT EXISTS site_shields (
    site_id INTEGER PRIMARY KEY,
    rules VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS site_drops (
    site_id INTEGER NOT NULL,
    reason VARCHAR NOT NULL,
    dropped BIGINT NOT NULL,
    PRIMARY KEY (site_id, reason)
);
