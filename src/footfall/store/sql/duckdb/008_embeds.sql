-- The origins allowed to frame a site's shared dashboards (CSP frame-ancestors), one a
-- line, as the owner lists them in the site's settings (web/embed.py).
CREATE TABLE IF NOT EXISTS site_embeds (
    site_id INTEGER PRIMARY KEY,
    origins VARCHAR NOT NULL
);
