-- Traffic shields (footfall/shields.py): a site's rules as the owner typed them, one
-- JSON object of lists; and how many of the site's events were dropped, by reason
-- (replicas add to a tally with one upsert each).
CREATE TABLE site_shields (
    site_id integer PRIMARY KEY,
    rules text NOT NULL
);
CREATE TABLE site_drops (
    site_id integer NOT NULL,
    reason text NOT NULL,
    dropped bigint NOT NULL,
    PRIMARY KEY (site_id, reason)
);
