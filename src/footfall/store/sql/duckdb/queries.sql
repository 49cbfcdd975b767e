-- Fixed queries of the embedded store; parameters are always bound, never formatted in.

-- name: insert_events
-- The batch's events, each with the id of its visit (recompute_visits ran first) and,
-- on a pageview, its visit's previous pageview (013_previous_pageview.sql): the batch's
-- own, else, for an append continuing a stored visit, that visit's last one (set on
-- new_visits by extend_visits); no stored row changes. Visits split again from stored
-- events get theirs from set_previous_pageviews. One sort of the batch, not a
-- partitioned window (which cost ~4 ms on 100 events, the rest of this statement
-- ~3.5): the row before a pageview in (visit, pageview or not, timestamp, pathname)
-- order is its previous pageview when it is a pageview of its visit. The sort carries
-- only those columns and the row's number in the batch (row_no, DuckDBStore's), by
-- which the rest of the row is joined back: carrying all 33 it took ~80 ms of an
-- apply of 50,000 events, twice the narrow sort and the join (docs/performance.md).
INSERT INTO events BY NAME
WITH placed AS (
    SELECT b.row_no, v.session_id, b.name = 'pageview' AS pageview, b.timestamp,
        b.pathname, v.stored_pageview_at, v.stored_page
    FROM incoming_batch b JOIN new_visits v
        ON b.site_id = v.site_id AND b.visitor_id = v.visitor_id
        AND b.timestamp >= v.started_at AND b.timestamp <= v.ended_at
    WHERE b.name <> 'engagement'
),
previous AS (
    SELECT row_no, session_id,
        CASE WHEN NOT pageview THEN NULL
            WHEN lag(session_id) OVER w = session_id AND lag(pageview) OVER w
            THEN lag(timestamp) OVER w ELSE stored_pageview_at END AS prev_pageview_at,
        CASE WHEN NOT pageview THEN NULL
            WHEN lag(session_id) OVER w = session_id AND lag(pageview) OVER w
            THEN lag(pathname) OVER w ELSE stored_page END AS prev_page
    FROM placed
    WINDOW w AS (ORDER BY session_id, pageview, timestamp, pathname)
)
SELECT b.* EXCLUDE (row_no) REPLACE (p.session_id AS session_id),
    p.prev_pageview_at, p.prev_page
FROM incoming_batch b JOIN previous p ON b.row_no = p.row_no

-- name: insert_engagements
-- The batch's engagement events (domain.ENGAGEMENT): outside the visit rule, so of no
-- visit (session id 0); time on page and scroll depth read them by visitor and page.
INSERT INTO events BY NAME
SELECT * EXCLUDE (row_no) REPLACE (0 AS session_id) FROM incoming_batch
WHERE name = 'engagement'

-- name: has_engagements
SELECT EXISTS (SELECT 1 FROM incoming_batch WHERE name = 'engagement')

-- name: count_events
SELECT count(*) FROM events WHERE site_id = ?

-- name: fetch_events
SELECT * EXCLUDE (prev_pageview_at, prev_page) FROM events WHERE site_id = ?
ORDER BY timestamp LIMIT ?

-- name: load_split_events
INSERT INTO events BY NAME SELECT * FROM read_parquet($files)

-- name: load_split_visits
INSERT INTO visits BY NAME SELECT * FROM read_parquet($files)

-- name: events_near
-- The events, within the spans of resplit_near, of the visitors with events on both
-- sides of a span's middle (a midnight where two days' snapshots meet): only their
-- visits may merge across it (two events less than the timeout apart, one each side).
CREATE OR REPLACE TEMP TABLE near AS
WITH crossing AS (
    SELECT DISTINCT e.site_id, e.visitor_id
    FROM events e JOIN spans s ON e.timestamp >= s.lo AND e.timestamp < s.hi
    GROUP BY e.site_id, e.visitor_id, s.mid
    HAVING min(e.timestamp) < s.mid AND max(e.timestamp) >= s.mid
)
SELECT e.* FROM events e SEMI JOIN crossing c
    ON e.site_id = c.site_id AND e.visitor_id = c.visitor_id
WHERE EXISTS (SELECT 1 FROM spans s WHERE e.timestamp >= s.lo AND e.timestamp < s.hi)

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

-- name: delete_site_embeds
DELETE FROM site_embeds WHERE site_id = ?

-- name: embed_origins
SELECT origins FROM site_embeds WHERE site_id = ?

-- name: set_embed_origins
INSERT INTO site_embeds (site_id, origins) VALUES (?, ?)
ON CONFLICT (site_id) DO UPDATE SET origins = excluded.origins

-- name: delete_site_shields
DELETE FROM site_shields WHERE site_id = ?

-- name: delete_site_drops
DELETE FROM site_drops WHERE site_id = ?

-- name: shields
SELECT rules FROM site_shields WHERE site_id = ?

-- name: set_shields
INSERT INTO site_shields (site_id, rules) VALUES (?, ?)
ON CONFLICT (site_id) DO UPDATE SET rules = excluded.rules

-- name: add_drops
INSERT INTO site_drops (site_id, reason, dropped)
SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM sites WHERE id = ?)
ON CONFLICT (site_id, reason) DO UPDATE SET dropped = site_drops.dropped + excluded.dropped

-- name: site_drops
SELECT reason, dropped FROM site_drops WHERE site_id = ? ORDER BY reason

-- name: delete_site
DELETE FROM sites WHERE id = ? RETURNING id

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

-- name: add_funnel
INSERT INTO funnels (site_id, name, steps, created_at) VALUES (?, ?, ?, ?)
ON CONFLICT DO NOTHING RETURNING id, site_id, name, steps

-- name: list_funnels
SELECT id, site_id, name, steps FROM funnels ORDER BY site_id, name

-- name: list_site_funnels
SELECT id, site_id, name, steps FROM funnels WHERE site_id = ? ORDER BY name

-- name: remove_funnel
DELETE FROM funnels WHERE site_id = ? AND name = ? RETURNING id

-- name: delete_site_funnels
DELETE FROM funnels WHERE site_id = ?


-- name: batch_span
SELECT min(timestamp), max(timestamp) FROM incoming_batch

-- name: touched_visitors
-- The visit rule (footfall/visits.py, docs/backends.md) re-applied to the visitors of
-- incoming_batch (engagement events are outside the rule: docs/metrics.md): for each, the span its new events can change, i.e. their own span
-- widened to every stored visit that comes within the timeout of it (a visit further
-- away keeps its bounds). $lo/$hi (the batch's span widened by the timeout) are
-- constants, so zone maps skip the rest of the table.
--
-- A visitor whose new events all come after every stored event of the span (in-order
-- traffic: the usual case) is an append, as on PostgreSQL: its stored events are not
-- read again. Its new events are split alone and the first of their visits extends
-- the stored visit they are within the timeout of, if any (extend_visits): visits are
-- at least the timeout apart, so there is one such visit at most (merge_into). It is
-- kept whole (merged): extend_visits reading it again from visits by its id scanned
-- the whole table (a hash join; the id's index is not used for joins), 50-95 ms of an
-- apply of 50,000 in-order events on a 1M-event store (docs/performance.md).
CREATE OR REPLACE TEMP TABLE touched AS
SELECT b.site_id, b.visitor_id,
    least(b.first_at, min(v.started_at)) AS lo, greatest(b.last_at, max(v.ended_at)) AS hi,
    b.first_at, $fresh AND coalesce(max(v.ended_at) < b.first_at, true) AS append,
    max(v.session_id) AS merge_into, arg_max(v, v.session_id) AS merged
FROM (SELECT site_id, visitor_id, min(timestamp) AS first_at, max(timestamp) AS last_at
      FROM incoming_batch WHERE name IS DISTINCT FROM 'engagement'
      GROUP BY site_id, visitor_id) b
LEFT JOIN (SELECT * FROM visits WHERE ended_at >= $lo AND started_at <= $hi) v
    ON v.site_id = b.site_id AND v.visitor_id = b.visitor_id
    AND v.ended_at > b.first_at - to_minutes($timeout)
    AND v.started_at < b.last_at + to_minutes($timeout)
GROUP BY b.site_id, b.visitor_id, b.first_at, b.last_at

-- name: touched_span
-- The span whose stored events are read again (appends' are not: NULL when every
-- visitor is one).
SELECT min(lo) FILTER (WHERE NOT append), max(hi) FILTER (WHERE NOT append) FROM touched

-- name: recompute_visits
-- Their events in those spans (the stored ones but appends', and, when $fresh, the
-- batch's, not yet stored), split where consecutive ones are $timeout minutes apart.
-- Ties are broken by value (the struct keys), so arrival order never shows.
--
-- The split's two window sorts carry only the columns the counts and pages need
-- (`stored`); a visit's attributes, the smallest value among its events at its first
-- instant, come from a second, wide read of the same events at those instants
-- (`firsts`, joined on site, visitor and instant: every event of a visitor at a visit's
-- first instant is of that visit). The sorts carrying all 23 columns took ~100 ms of an
-- apply of 50,000 events, ~3.5 times what they take narrow (docs/performance.md).
CREATE OR REPLACE TEMP TABLE new_visits AS
WITH stored AS (
    SELECT e.site_id, e.visitor_id, e.timestamp, e.name, e.pathname, e.interactive
    FROM events e JOIN touched t ON e.site_id = t.site_id AND e.visitor_id = t.visitor_id
        AND e.timestamp >= t.lo AND e.timestamp <= t.hi AND NOT t.append
    WHERE e.timestamp >= $lo AND e.timestamp <= $hi AND e.name <> 'engagement'
    UNION ALL
    SELECT site_id, visitor_id, timestamp, name, pathname, interactive
    FROM incoming_batch WHERE $fresh AND name <> 'engagement'
),
ev AS (
    SELECT e.*, lag(e.timestamp) OVER (
        PARTITION BY e.site_id, e.visitor_id ORDER BY e.timestamp) AS previous_at
    FROM stored e
),
starts AS (
    SELECT *, previous_at IS NULL OR timestamp - previous_at >= to_minutes($timeout) AS opens
    FROM ev
),
numbered AS (
    SELECT *, sum(opens::INTEGER) OVER w AS visit_no
    FROM starts WINDOW w AS (PARTITION BY site_id, visitor_id ORDER BY timestamp)
),
split AS (
    SELECT (hash(site_id, visitor_id, min(timestamp)) >> 1)::BIGINT AS session_id,
        site_id, visitor_id,
        min(timestamp) AS started_at, max(timestamp) AS ended_at,
        count(*) FILTER (WHERE name = 'pageview') AS pageviews, count(*) AS events,
        count(*) FILTER (WHERE name <> 'pageview' AND interactive) AS interactions,
        min(timestamp) FILTER (WHERE name = 'pageview') AS first_pageview_at,
        max(timestamp) FILTER (WHERE name = 'pageview') AS last_pageview_at,
        coalesce(arg_min(pathname, (timestamp, pathname)) FILTER (WHERE name = 'pageview'), '')
            AS entry_page,
        coalesce(arg_max(pathname, (timestamp, pathname)) FILTER (WHERE name = 'pageview'), '')
            AS exit_page
    FROM numbered GROUP BY site_id, visitor_id, visit_no
),
firsts AS (
    SELECT e.site_id, e.visitor_id, e.timestamp, e.referrer_source, e.referrer, e.channel,
        e.utm_medium, e.utm_source, e.utm_campaign, e.utm_content, e.utm_term, e.device,
        e.browser, e.browser_version, e.os, e.os_version, e.country, e.region, e.city,
        e.screen_size
    FROM events e JOIN touched t ON e.site_id = t.site_id AND e.visitor_id = t.visitor_id
        AND e.timestamp >= t.lo AND e.timestamp <= t.hi AND NOT t.append
    WHERE e.timestamp >= $lo AND e.timestamp <= $hi AND e.name <> 'engagement'
    UNION ALL
    SELECT site_id, visitor_id, timestamp, referrer_source, referrer, channel, utm_medium,
        utm_source, utm_campaign, utm_content, utm_term, device, browser, browser_version,
        os, os_version, country, region, city, screen_size
    FROM incoming_batch WHERE $fresh AND name <> 'engagement'
),
attributes AS (
    SELECT f.site_id, f.visitor_id, f.timestamp,
        min(f.referrer_source) AS source, min(f.referrer) AS referrer,
        min(f.channel) AS channel, min(f.utm_medium) AS utm_medium,
        min(f.utm_source) AS utm_source, min(f.utm_campaign) AS utm_campaign,
        min(f.utm_content) AS utm_content, min(f.utm_term) AS utm_term,
        min(f.device) AS device, min(f.browser) AS browser,
        min(f.browser_version) AS browser_version, min(f.os) AS os,
        min(f.os_version) AS os_version, min(f.country) AS country,
        min(f.region) AS region, min(f.city) AS city, min(f.screen_size) AS screen_size
    FROM firsts f SEMI JOIN split s ON f.site_id = s.site_id AND f.visitor_id = s.visitor_id
        AND f.timestamp = s.started_at
    GROUP BY f.site_id, f.visitor_id, f.timestamp
)
SELECT s.*, a.* EXCLUDE (site_id, visitor_id, timestamp),
    -- the last pageview of the stored visit an append continues (extend_visits), the
    -- previous pageview of its first new one (insert_events); not a visits column
    NULL::TIMESTAMP AS stored_pageview_at, NULL::VARCHAR AS stored_page
FROM split s JOIN attributes a ON a.site_id = s.site_id AND a.visitor_id = s.visitor_id
    AND a.timestamp = s.started_at

-- name: extend_visits
-- An append's first new visit, when within the timeout of the visitor's last stored
-- visit, continues it: its start, id and attributes (set at its first instant) are the
-- stored visit's; counts add up; the entry page is the stored one's unless it had no
-- pageview, the exit page the new events' unless they have none (every new event is
-- later than every stored one, so no tie between the two sides is possible).
UPDATE new_visits SET
    session_id = v.session_id, started_at = v.started_at,
    pageviews = v.pageviews + new_visits.pageviews, events = v.events + new_visits.events,
    interactions = v.interactions + new_visits.interactions,
    first_pageview_at = coalesce(v.first_pageview_at, new_visits.first_pageview_at),
    last_pageview_at = coalesce(new_visits.last_pageview_at, v.last_pageview_at),
    entry_page = CASE WHEN v.first_pageview_at IS NULL THEN new_visits.entry_page
        ELSE v.entry_page END,
    exit_page = CASE WHEN new_visits.last_pageview_at IS NULL THEN v.exit_page
        ELSE new_visits.exit_page END,
    source = v.source, referrer = v.referrer, channel = v.channel, utm_medium = v.utm_medium,
    utm_source = v.utm_source, utm_campaign = v.utm_campaign, utm_content = v.utm_content,
    utm_term = v.utm_term, device = v.device, browser = v.browser,
    browser_version = v.browser_version, os = v.os, os_version = v.os_version,
    country = v.country, region = v.region, city = v.city, screen_size = v.screen_size,
    stored_pageview_at = v.last_pageview_at,
    stored_page = CASE WHEN v.last_pageview_at IS NOT NULL THEN v.exit_page END
FROM (SELECT t.site_id AS t_site, t.visitor_id AS t_visitor, t.first_at AS t_first,
          unnest(t.merged)
      FROM touched t WHERE t.append AND t.merged IS NOT NULL) v
WHERE new_visits.site_id = v.t_site AND new_visits.visitor_id = v.t_visitor
    AND new_visits.started_at = v.t_first

-- name: set_event_sessions
-- Stored events whose visit changed (in-order traffic: none, a visit's id is its start's).
-- Engagement events are of no visit (session id 0: insert_engagements) and stay so.
UPDATE events SET session_id = v.session_id FROM new_visits v
WHERE events.site_id = v.site_id AND events.visitor_id = v.visitor_id
    AND events.timestamp >= v.started_at AND events.timestamp <= v.ended_at
    AND events.session_id <> v.session_id AND events.name <> 'engagement'
    AND events.timestamp >= $lo AND events.timestamp <= $hi

-- name: set_previous_pageviews
-- Each pageview's previous pageview of its visit (insert_events), again over the
-- visits split from stored events (touched spans hold whole visits); only the rows
-- whose values changed are written (in-order traffic: none, no span is read again).
UPDATE events SET prev_pageview_at = w.prev_at, prev_page = w.prev_page
FROM (
    SELECT e.rowid AS row_id, e.prev_pageview_at AS was_at, e.prev_page AS was_page,
        CASE WHEN e.name = 'pageview' THEN lag(e.timestamp) OVER w END AS prev_at,
        CASE WHEN e.name = 'pageview' THEN lag(e.pathname) OVER w END AS prev_page
    FROM events e JOIN touched t ON e.site_id = t.site_id AND e.visitor_id = t.visitor_id
        AND e.timestamp >= t.lo AND e.timestamp <= t.hi AND NOT t.append
    WHERE e.timestamp >= $lo AND e.timestamp <= $hi AND e.name <> 'engagement'
    WINDOW w AS (PARTITION BY e.session_id, e.name = 'pageview'
        ORDER BY e.timestamp, e.pathname)
) w
WHERE events.rowid = w.row_id
    AND (w.was_at IS DISTINCT FROM w.prev_at OR w.was_page IS DISTINCT FROM w.prev_page)

-- name: delete_stale_visits
-- Visits in the touched spans that the new split no longer has (two merged into one).
DELETE FROM visits WHERE started_at >= $lo AND started_at <= $hi
    AND EXISTS (SELECT 1 FROM touched t WHERE t.site_id = visits.site_id
                AND t.visitor_id = visits.visitor_id AND visits.started_at >= t.lo
                AND visits.started_at <= t.hi)
    AND session_id NOT IN (SELECT session_id FROM new_visits)

-- name: upsert_visits
INSERT OR REPLACE INTO visits BY NAME
SELECT * EXCLUDE (stored_pageview_at, stored_page) FROM new_visits

-- name: delete_site_visits
DELETE FROM visits WHERE site_id = ?

-- name: doomed_events
-- The events delete_events removes: the site's in [$start, $end), a NULL bound open.
CREATE OR REPLACE TEMP TABLE doomed AS SELECT * FROM events
WHERE site_id = $site AND ($start IS NULL OR timestamp >= $start)
    AND ($end IS NULL OR timestamp < $end)

-- name: delete_doomed_events
DELETE FROM events
WHERE site_id = $site AND ($start IS NULL OR timestamp >= $start)
    AND ($end IS NULL OR timestamp < $end)

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

-- Restores (footfall/transfer.py): exported rows with their ids.
-- name: restore_site
INSERT INTO sites (id, domain, timezone, umami_website_id, retention_days, created_at)
VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id

-- name: restore_key
INSERT INTO api_keys (prefix, site_id, digest, scopes, name, created_at, last_used_at, revoked_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING prefix

-- name: restore_goal
INSERT INTO goals (id, site_id, event_name, page_path, display_name, created_at)
VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id

-- name: restore_user
INSERT INTO users (id, email, password_hash, role, created_at)
VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id

-- name: restore_share
INSERT INTO shared_links (id, site_id, token, name, password_hash, created_at, revoked_at)
VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id

-- name: export_events
SELECT * FROM events WHERE site_id = ? AND timestamp >= ? AND timestamp < ?
ORDER BY timestamp, visitor_id, name, pathname

-- name: draw_id
SELECT nextval(?)

-- name: draw_ids
SELECT max(nextval(?)) FROM range(?)

-- name: add_segment
INSERT INTO segments (site_id, owner_id, name, filters, created_by, created_at)
VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
RETURNING id, site_id, owner_id, name, filters, created_by

-- name: site_segments
SELECT id, site_id, owner_id, name, filters, created_by FROM segments
WHERE site_id = ? AND owner_id IN (0, ?) ORDER BY owner_id <> 0, name, id

-- name: get_segment
SELECT id, site_id, owner_id, name, filters, created_by FROM segments WHERE id = ?

-- name: update_segment
UPDATE segments SET filters = ? WHERE id = ? RETURNING id

-- name: remove_segment
DELETE FROM segments WHERE id = ? RETURNING id

-- name: delete_site_segments
DELETE FROM segments WHERE site_id = ?

-- name: delete_user_segments
DELETE FROM segments WHERE owner_id = ?

-- imports (footfall/imports/; generated from imports/tables.py) ----------------

-- name: insert_imported_visitors
INSERT INTO imported_visitors (site_id, import_digest, date, visitors, pageviews, bounces, visits, visit_duration)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)

-- name: delete_import_imported_visitors
DELETE FROM imported_visitors WHERE site_id = ? AND import_digest = ?

-- name: delete_site_imported_visitors
DELETE FROM imported_visitors WHERE site_id = ?

-- name: insert_imported_sources
INSERT INTO imported_sources (site_id, import_digest, date, source, referrer, utm_source, utm_medium, utm_campaign, utm_content, utm_term, pageviews, visitors, visits, visit_duration, bounces)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)

-- name: delete_import_imported_sources
DELETE FROM imported_sources WHERE site_id = ? AND import_digest = ?

-- name: delete_site_imported_sources
DELETE FROM imported_sources WHERE site_id = ?

-- name: insert_imported_pages
INSERT INTO imported_pages (site_id, import_digest, date, hostname, page, visits, visitors, pageviews, total_scroll_depth, total_scroll_depth_visits, total_time_on_page, total_time_on_page_visits)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)

-- name: delete_import_imported_pages
DELETE FROM imported_pages WHERE site_id = ? AND import_digest = ?

-- name: delete_site_imported_pages
DELETE FROM imported_pages WHERE site_id = ?

-- name: insert_imported_entry_pages
INSERT INTO imported_entry_pages (site_id, import_digest, date, entry_page, visitors, entrances, visit_duration, bounces, pageviews)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)

-- name: delete_import_imported_entry_pages
DELETE FROM imported_entry_pages WHERE site_id = ? AND import_digest = ?

-- name: delete_site_imported_entry_pages
DELETE FROM imported_entry_pages WHERE site_id = ?

-- name: insert_imported_exit_pages
INSERT INTO imported_exit_pages (site_id, import_digest, date, exit_page, visitors, visit_duration, exits, bounces, pageviews)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)

-- name: delete_import_imported_exit_pages
DELETE FROM imported_exit_pages WHERE site_id = ? AND import_digest = ?

-- name: delete_site_imported_exit_pages
DELETE FROM imported_exit_pages WHERE site_id = ?

-- name: insert_imported_custom_events
INSERT INTO imported_custom_events (site_id, import_digest, date, name, link_url, path, visitors, events)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)

-- name: delete_import_imported_custom_events
DELETE FROM imported_custom_events WHERE site_id = ? AND import_digest = ?

-- name: delete_site_imported_custom_events
DELETE FROM imported_custom_events WHERE site_id = ?

-- name: insert_imported_locations
INSERT INTO imported_locations (site_id, import_digest, date, country, region, city, visitors, visits, visit_duration, bounces, pageviews)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)

-- name: delete_import_imported_locations
DELETE FROM imported_locations WHERE site_id = ? AND import_digest = ?

-- name: delete_site_imported_locations
DELETE FROM imported_locations WHERE site_id = ?

-- name: insert_imported_devices
INSERT INTO imported_devices (site_id, import_digest, date, device, visitors, visits, visit_duration, bounces, pageviews)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)

-- name: delete_import_imported_devices
DELETE FROM imported_devices WHERE site_id = ? AND import_digest = ?

-- name: delete_site_imported_devices
DELETE FROM imported_devices WHERE site_id = ?

-- name: insert_imported_browsers
INSERT INTO imported_browsers (site_id, import_digest, date, browser, browser_version, visitors, visits, visit_duration, bounces, pageviews)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)

-- name: delete_import_imported_browsers
DELETE FROM imported_browsers WHERE site_id = ? AND import_digest = ?

-- name: delete_site_imported_browsers
DELETE FROM imported_browsers WHERE site_id = ?

-- name: insert_imported_operating_systems
INSERT INTO imported_operating_systems (site_id, import_digest, date, operating_system, operating_system_version, visitors, visits, visit_duration, bounces, pageviews)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)

-- name: delete_import_imported_operating_systems
DELETE FROM imported_operating_systems WHERE site_id = ? AND import_digest = ?

-- name: delete_site_imported_operating_systems
DELETE FROM imported_operating_systems WHERE site_id = ?

-- name: delete_import
DELETE FROM site_imports WHERE site_id = ? AND digest = ?

-- name: delete_site_imports
DELETE FROM site_imports WHERE site_id = ?

-- name: add_import
INSERT INTO site_imports (site_id, digest, source, file_name, start_date, end_date, row_count, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)

-- name: list_imports
SELECT site_id, digest, source, file_name, start_date, end_date, row_count, created_at
FROM site_imports WHERE site_id = ? ORDER BY created_at, digest

-- name: rows_imported_visitors
SELECT date, visitors, pageviews, bounces, visits, visit_duration
FROM imported_visitors WHERE site_id = ? ORDER BY date, visitors, pageviews, bounces, visits, visit_duration

-- name: rows_imported_sources
SELECT date, source, referrer, utm_source, utm_medium, utm_campaign, utm_content, utm_term, pageviews, visitors, visits, visit_duration, bounces
FROM imported_sources WHERE site_id = ? ORDER BY date, source, referrer, utm_source, utm_medium, utm_campaign, utm_content, utm_term, pageviews, visitors, visits, visit_duration, bounces

-- name: rows_imported_pages
SELECT date, hostname, page, visits, visitors, pageviews, total_scroll_depth, total_scroll_depth_visits, total_time_on_page, total_time_on_page_visits
FROM imported_pages WHERE site_id = ? ORDER BY date, hostname, page, visits, visitors, pageviews, total_scroll_depth, total_scroll_depth_visits, total_time_on_page, total_time_on_page_visits

-- name: rows_imported_entry_pages
SELECT date, entry_page, visitors, entrances, visit_duration, bounces, pageviews
FROM imported_entry_pages WHERE site_id = ? ORDER BY date, entry_page, visitors, entrances, visit_duration, bounces, pageviews

-- name: rows_imported_exit_pages
SELECT date, exit_page, visitors, visit_duration, exits, bounces, pageviews
FROM imported_exit_pages WHERE site_id = ? ORDER BY date, exit_page, visitors, visit_duration, exits, bounces, pageviews

-- name: rows_imported_custom_events
SELECT date, name, link_url, path, visitors, events
FROM imported_custom_events WHERE site_id = ? ORDER BY date, name, link_url, path, visitors, events

-- name: rows_imported_locations
SELECT date, country, region, city, visitors, visits, visit_duration, bounces, pageviews
FROM imported_locations WHERE site_id = ? ORDER BY date, country, region, city, visitors, visits, visit_duration, bounces, pageviews

-- name: rows_imported_devices
SELECT date, device, visitors, visits, visit_duration, bounces, pageviews
FROM imported_devices WHERE site_id = ? ORDER BY date, device, visitors, visits, visit_duration, bounces, pageviews

-- name: rows_imported_browsers
SELECT date, browser, browser_version, visitors, visits, visit_duration, bounces, pageviews
FROM imported_browsers WHERE site_id = ? ORDER BY date, browser, browser_version, visitors, visits, visit_duration, bounces, pageviews

-- name: rows_imported_operating_systems
SELECT date, operating_system, operating_system_version, visitors, visits, visit_duration, bounces, pageviews
FROM imported_operating_systems WHERE site_id = ? ORDER BY date, operating_system, operating_system_version, visitors, visits, visit_duration, bounces, pageviews

-- Two-factor authentication (012_two_factor_retention.sql) ----------------------------

-- name: get_totp
SELECT t.secret, t.enabled, t.last_step,
    coalesce((SELECT list(code_hash ORDER BY code_hash) FROM user_recovery_codes r
              WHERE r.user_id = t.user_id), [])
FROM user_totp t WHERE t.user_id = ?

-- name: start_totp
INSERT INTO user_totp (user_id, secret, enabled, last_step, created_at)
VALUES (?, ?, false, 0, ?)
ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at
WHERE NOT user_totp.enabled
RETURNING user_id

-- name: enable_totp
UPDATE user_totp SET enabled = true, last_step = ? WHERE user_id = ? AND NOT enabled
RETURNING user_id

-- name: add_recovery_code
INSERT INTO user_recovery_codes (user_id, code_hash) VALUES (?, ?) ON CONFLICT DO NOTHING

-- name: claim_totp_step
UPDATE user_totp SET last_step = ? WHERE user_id = ? AND enabled AND last_step < ?
RETURNING user_id

-- name: use_recovery_code
DELETE FROM user_recovery_codes WHERE user_id = ? AND code_hash = ? RETURNING user_id

-- name: delete_user_totp
DELETE FROM user_totp WHERE user_id = ?

-- name: delete_user_recovery_codes
DELETE FROM user_recovery_codes WHERE user_id = ?

-- name: site_requires_2fa
SELECT require_2fa FROM site_security WHERE site_id = ?

-- name: set_site_requires_2fa
INSERT INTO site_security (site_id, require_2fa) VALUES (?, ?)
ON CONFLICT (site_id) DO UPDATE SET require_2fa = excluded.require_2fa

-- name: delete_site_security
DELETE FROM site_security WHERE site_id = ?

-- Retention (012_two_factor_retention.sql) ---------------------------------------------

-- name: set_site_retention
UPDATE sites SET retention_days = ? WHERE id = ? RETURNING id

-- name: claim_job
INSERT INTO job_claims (job, period, claimed_at) VALUES (?, ?, ?)
ON CONFLICT DO NOTHING RETURNING job
