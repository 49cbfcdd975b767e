-- Data as a server at schema version 3 (003_embeds.sql) left it, for the migration
-- harness (test_migrations.py): v2.sql's data and the origins allowed to embed. One site with a key, a goal,
-- a user with a role on it,
-- a shared link, and three events of two visitors with the visits the rule gives them
-- (one visit of two pageviews, one bounce). Parameters: %(password_hash)s.
CREATE TABLE events_p202603 PARTITION OF events
    FOR VALUES FROM ('2026-03-01 00:00+00') TO ('2026-04-01 00:00+00');

INSERT INTO sites (id, domain, timezone, umami_website_id, retention_days, created_at)
VALUES (7, 'old.example', 'Europe/Berlin', 'umami-7', NULL, '2026-03-01 08:00+00');
SELECT setval(pg_get_serial_sequence('sites', 'id'), 7);
INSERT INTO api_keys (prefix, site_id, digest, scopes, name, created_at)
VALUES ('oldkey0000', 7, '\x0102030405', 'stats', 'ci', '2026-03-01 08:00+00');
INSERT INTO goals (site_id, event_name, page_path, display_name, created_at)
VALUES (7, '', '/pricing', 'Visit /pricing', '2026-03-01 08:00+00');
INSERT INTO funnels (site_id, name, steps, created_at)
VALUES (7, 'Pricing', '[["","/"],["","/pricing"]]', '2026-03-01 08:00+00');
INSERT INTO users (email, password_hash, role, created_at)
VALUES ('ann@example.com', %(password_hash)s, '', '2026-03-01 08:00+00');
INSERT INTO memberships (user_id, site_id, role, created_at)
SELECT id, 7, 'viewer', '2026-03-01 08:00+00' FROM users;
INSERT INTO shared_links (site_id, token, name, password_hash, created_at)
VALUES (7, 'old-share-token', 'board', NULL, '2026-03-01 08:00+00');

INSERT INTO events (site_id, "timestamp", name, hostname, pathname, visitor_id, session_id,
    referrer, referrer_source, channel, utm_medium, utm_source, utm_campaign, utm_content,
    utm_term, click_id_param, country, region, city, browser, browser_version, os,
    os_version, device, screen_size, language, props, revenue_amount, revenue_currency,
    interactive, entry_page)
SELECT 7, t::timestamptz, 'pageview', 'old.example', p, v, 0, '', '', 'Direct', '', '', '',
    '', '', '', 'DE', '', '', 'Firefox', '', 'Linux', '', 'Desktop', '', 'de', '{}', NULL,
    '', true, ''
FROM (VALUES ('2026-03-10 09:00+00', '/', 1), ('2026-03-10 09:10+00', '/pricing', 1),
             ('2026-03-10 10:00+00', '/', 2)) AS e(t, p, v);

-- Each visitor's events are one visit here; its id as version 1 computes it.
INSERT INTO visits
SELECT hashtextextended(site_id::text || ':' || visitor_id::text || ':'
        || (extract(epoch FROM min("timestamp")) * 1000000)::bigint::text, 0)
        & 9223372036854775807,
    site_id, visitor_id, min("timestamp"), max("timestamp"), count(*), count(*), 0,
    min("timestamp"), max("timestamp"),
    (array_agg(pathname ORDER BY "timestamp"))[1],
    (array_agg(pathname ORDER BY "timestamp" DESC))[1],
    '', '', 'Direct', '', '', '', '', '', 'Desktop', 'Firefox', '', 'Linux', '', 'DE', '', '', ''
FROM events GROUP BY site_id, visitor_id;
UPDATE events e SET session_id = v.session_id FROM visits v
WHERE v.site_id = e.site_id AND v.visitor_id = e.visitor_id;
INSERT INTO site_embeds (site_id, origins) VALUES (7, 'https://blog.old.example');
