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
