-- Fixed queries of the embedded store; parameters are always bound, never formatted in.

-- name: insert_events
INSERT INTO events BY NAME SELECT * FROM incoming_batch

-- name: count_events
SELECT count(*) FROM events WHERE site_id = ?

-- name: fetch_events
SELECT * FROM events WHERE site_id = ? ORDER BY timestamp LIMIT ?

-- name: recent_sessions
SELECT site_id, visitor_id, session_id, min(timestamp), max(timestamp),
       arg_min(entry_page, timestamp)
FROM events WHERE timestamp >= ?
GROUP BY ALL

-- name: add_site
INSERT INTO sites (domain, timezone, umami_website_id, created_at) VALUES (?, ?, ?, ?)
ON CONFLICT DO NOTHING
RETURNING id, domain, timezone, umami_website_id, retention_days, created_at

-- name: list_sites
SELECT id, domain, timezone, umami_website_id, retention_days, created_at
FROM sites ORDER BY domain

-- name: site_by_domain
SELECT id, domain, timezone, umami_website_id, retention_days, created_at
FROM sites WHERE domain = ?

-- name: site_by_id
SELECT id, domain, timezone, umami_website_id, retention_days, created_at
FROM sites WHERE id = ?

-- name: site_by_umami_id
SELECT id, domain, timezone, umami_website_id, retention_days, created_at
FROM sites WHERE umami_website_id = ?

-- name: delete_site_events
DELETE FROM events WHERE site_id = ?

-- name: delete_site_keys
DELETE FROM api_keys WHERE site_id = ?

-- name: delete_site
DELETE FROM sites WHERE id = ?

-- name: add_key
INSERT INTO api_keys (prefix, site_id, digest, scopes, name, created_at)
VALUES (?, ?, ?, ?, ?, ?)
RETURNING prefix, site_id, scopes, name, created_at, last_used_at, revoked_at

-- name: find_key
SELECT prefix, site_id, scopes, name, created_at, last_used_at, revoked_at, digest
FROM api_keys WHERE prefix = ?

-- name: list_keys
SELECT prefix, site_id, scopes, name, created_at, last_used_at, revoked_at
FROM api_keys ORDER BY created_at

-- name: list_site_keys
SELECT prefix, site_id, scopes, name, created_at, last_used_at, revoked_at
FROM api_keys WHERE site_id = ? ORDER BY created_at

-- name: revoke_key
UPDATE api_keys SET revoked_at = ? WHERE prefix = ? AND revoked_at IS NULL RETURNING prefix

-- name: touch_key
UPDATE api_keys SET last_used_at = ? WHERE prefix = ?

-- name: insert_salt
INSERT INTO salts VALUES (?, ?) ON CONFLICT DO NOTHING

-- name: delete_old_salts
DELETE FROM salts WHERE day < ?

-- name: salts_for_days
SELECT day, salt FROM salts WHERE day IN (SELECT unnest(?))

-- name: journal_applied
SELECT applied_seq FROM journal_state

-- name: set_journal_applied
UPDATE journal_state SET applied_seq = ?

-- name: first_event
SELECT min(timestamp) FROM events WHERE site_id = ?

-- name: add_goal
INSERT INTO goals (site_id, event_name, page_path, display_name, created_at)
VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
RETURNING id, site_id, event_name, page_path, display_name

-- name: list_goals
SELECT id, site_id, event_name, page_path, display_name FROM goals ORDER BY site_id, display_name

-- name: list_site_goals
SELECT id, site_id, event_name, page_path, display_name FROM goals WHERE site_id = ?
ORDER BY display_name

-- name: remove_goal
DELETE FROM goals WHERE site_id = ? AND display_name = ? RETURNING id

-- name: delete_site_goals
DELETE FROM goals WHERE site_id = ?


-- name: upsert_visits
-- Merge a batch's visits into the table: counts add up, times widen, the entry page and
-- first-event attributes come from whichever part of the visit started first.
INSERT INTO visits BY NAME
SELECT session_id, any_value(site_id) AS site_id, any_value(visitor_id) AS visitor_id,
    min(timestamp) AS started_at, max(timestamp) AS ended_at,
    count(*) FILTER (WHERE name = 'pageview') AS pageviews, count(*) AS events,
    count(*) FILTER (WHERE name <> 'pageview' AND interactive) AS interactions,
    min(timestamp) FILTER (WHERE name = 'pageview') AS first_pageview_at,
    max(timestamp) FILTER (WHERE name = 'pageview') AS last_pageview_at,
    coalesce(arg_min(pathname, timestamp) FILTER (WHERE name = 'pageview'), '') AS entry_page,
    coalesce(arg_max(pathname, timestamp) FILTER (WHERE name = 'pageview'), '') AS exit_page,
    arg_min(referrer_source, timestamp) AS source,
    arg_min(referrer, timestamp) AS referrer,
    arg_min(channel, timestamp) AS channel,
    arg_min(utm_medium, timestamp) AS utm_medium,
    arg_min(utm_source, timestamp) AS utm_source,
    arg_min(utm_campaign, timestamp) AS utm_campaign,
    arg_min(utm_content, timestamp) AS utm_content,
    arg_min(utm_term, timestamp) AS utm_term,
    arg_min(device, timestamp) AS device,
    arg_min(browser, timestamp) AS browser,
    arg_min(browser_version, timestamp) AS browser_version,
    arg_min(os, timestamp) AS os,
    arg_min(os_version, timestamp) AS os_version,
    arg_min(country, timestamp) AS country,
    arg_min(region, timestamp) AS region,
    arg_min(city, timestamp) AS city,
    arg_min(screen_size, timestamp) AS screen_size
FROM incoming_batch GROUP BY session_id
ON CONFLICT (session_id) DO UPDATE SET
    started_at = least(visits.started_at, excluded.started_at),
    ended_at = greatest(visits.ended_at, excluded.ended_at),
    pageviews = visits.pageviews + excluded.pageviews,
    events = visits.events + excluded.events,
    interactions = visits.interactions + excluded.interactions,
    first_pageview_at = least(visits.first_pageview_at, excluded.first_pageview_at),
    last_pageview_at = greatest(visits.last_pageview_at, excluded.last_pageview_at),
    entry_page = CASE WHEN excluded.first_pageview_at < visits.first_pageview_at
        OR visits.first_pageview_at IS NULL THEN coalesce(nullif(excluded.entry_page, ''),
        visits.entry_page) ELSE visits.entry_page END,
    exit_page = CASE WHEN excluded.last_pageview_at >= visits.last_pageview_at
        OR visits.last_pageview_at IS NULL THEN coalesce(nullif(excluded.exit_page, ''),
        visits.exit_page) ELSE visits.exit_page END,
    source = CASE WHEN excluded.started_at < visits.started_at THEN excluded.source ELSE visits.source END,
    referrer = CASE WHEN excluded.started_at < visits.started_at THEN excluded.referrer ELSE visits.referrer END,
    channel = CASE WHEN excluded.started_at < visits.started_at THEN excluded.channel ELSE visits.channel END,
    utm_medium = CASE WHEN excluded.started_at < visits.started_at THEN excluded.utm_medium ELSE visits.utm_medium END,
    utm_source = CASE WHEN excluded.started_at < visits.started_at THEN excluded.utm_source ELSE visits.utm_source END,
    utm_campaign = CASE WHEN excluded.started_at < visits.started_at THEN excluded.utm_campaign ELSE visits.utm_campaign END,
    utm_content = CASE WHEN excluded.started_at < visits.started_at THEN excluded.utm_content ELSE visits.utm_content END,
    utm_term = CASE WHEN excluded.started_at < visits.started_at THEN excluded.utm_term ELSE visits.utm_term END,
    device = CASE WHEN excluded.started_at < visits.started_at THEN excluded.device ELSE visits.device END,
    browser = CASE WHEN excluded.started_at < visits.started_at THEN excluded.browser ELSE visits.browser END,
    browser_version = CASE WHEN excluded.started_at < visits.started_at THEN excluded.browser_version ELSE visits.browser_version END,
    os = CASE WHEN excluded.started_at < visits.started_at THEN excluded.os ELSE visits.os END,
    os_version = CASE WHEN excluded.started_at < visits.started_at THEN excluded.os_version ELSE visits.os_version END,
    country = CASE WHEN excluded.started_at < visits.started_at THEN excluded.country ELSE visits.country END,
    region = CASE WHEN excluded.started_at < visits.started_at THEN excluded.region ELSE visits.region END,
    city = CASE WHEN excluded.started_at < visits.started_at THEN excluded.city ELSE visits.city END,
    screen_size = CASE WHEN excluded.started_at < visits.started_at THEN excluded.screen_size ELSE visits.screen_size END

-- name: delete_site_visits
DELETE FROM visits WHERE site_id = ?

-- Accounts (005_accounts.sql) ------------------------------------------------

-- name: add_user
INSERT INTO users (email, password_hash, role, created_at) VALUES (?, ?, ?, ?)
ON CONFLICT DO NOTHING
RETURNING id, email, role, created_at

-- name: user_by_email
SELECT id, email, role, created_at, password_hash FROM users WHERE email = ?

-- name: user_by_id
SELECT id, email, role, created_at, password_hash FROM users WHERE id = ?

-- name: list_users
SELECT id, email, role, created_at FROM users ORDER BY email

-- name: count_users
SELECT count(*) FROM users

-- name: set_password
UPDATE users SET password_hash = ? WHERE id = ?

-- name: set_user_role
UPDATE users SET role = ? WHERE id = ?

-- name: delete_user
DELETE FROM users WHERE id = ?

-- name: delete_user_memberships
DELETE FROM memberships WHERE user_id = ?

-- name: delete_user_sessions
DELETE FROM web_sessions WHERE user_id = ?

-- name: set_membership
INSERT INTO memberships (user_id, site_id, role, created_at) VALUES (?, ?, ?, ?)
ON CONFLICT (user_id, site_id) DO UPDATE SET role = excluded.role

-- name: delete_membership
DELETE FROM memberships WHERE user_id = ? AND site_id = ? RETURNING user_id

-- name: user_memberships
SELECT site_id, role FROM memberships WHERE user_id = ?

-- name: site_members
SELECT u.id, u.email, u.role, u.created_at, m.role
FROM memberships m JOIN users u ON u.id = m.user_id
WHERE m.site_id = ? ORDER BY u.email

-- name: add_web_session
INSERT INTO web_sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)

-- name: web_session
SELECT user_id, created_at, expires_at FROM web_sessions WHERE token_hash = ?

-- name: delete_web_session
DELETE FROM web_sessions WHERE token_hash = ?

-- name: delete_expired_web_sessions
DELETE FROM web_sessions WHERE expires_at <= ?

-- name: add_invitation
INSERT INTO invitations (token_hash, email, site_id, role, invited_by, created_at, expires_at)
VALUES (?, ?, ?, ?, ?, ?, ?)

-- name: invitation
SELECT token_hash, email, site_id, role, invited_by, created_at, expires_at
FROM invitations WHERE token_hash = ?

-- name: site_invitations
SELECT token_hash, email, site_id, role, invited_by, created_at, expires_at
FROM invitations WHERE site_id = ? ORDER BY created_at

-- name: delete_invitation
DELETE FROM invitations WHERE token_hash = ? RETURNING email

-- name: add_share
INSERT INTO shared_links (site_id, token, name, password_hash, created_at) VALUES (?, ?, ?, ?, ?)
RETURNING id, site_id, token, name, password_hash, created_at, revoked_at

-- name: share_by_token
SELECT id, site_id, token, name, password_hash, created_at, revoked_at
FROM shared_links WHERE token = ?

-- name: site_shares
SELECT id, site_id, token, name, password_hash, created_at, revoked_at
FROM shared_links WHERE site_id = ? ORDER BY created_at

-- name: revoke_share
UPDATE shared_links SET revoked_at = ? WHERE site_id = ? AND id = ? AND revoked_at IS NULL
RETURNING id

-- name: delete_site_memberships
DELETE FROM memberships WHERE site_id = ?

-- name: delete_site_invitations
DELETE FROM invitations WHERE site_id = ?

-- name: delete_site_shares
DELETE FROM shared_links WHERE site_id = ?

-- name: set_site_timezone
UPDATE sites SET timezone = ? WHERE id = ?
