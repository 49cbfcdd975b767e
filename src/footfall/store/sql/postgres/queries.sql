-- Fixed queries of the PostgreSQL store; parameters are always bound, never formatted
-- in (psycopg placeholders: a literal percent sign would be written twice).

-- name: touched_visitors
-- The visit rule (footfall/visits.py, docs/backends.md) re-applied to the visitors of
-- incoming_batch: for each, the span its new events can change, i.e. their own span
-- widened to every stored visit that comes within the timeout of it (a visit further
-- away keeps its bounds). As DuckDB's (store/sql/duckdb/queries.sql); engagement events
-- are outside the rule (docs/metrics.md).
--
-- A visitor whose new events all come after every stored event of the span (in-order
-- traffic: the usual case) is an append: its stored events are not read again. Its new
-- events are split alone and the first of their visits extends the stored visit they
-- are within the timeout of, if any (extend_visits): visits are at least the timeout
-- apart, so there is one such visit at most (merge_into).
--
-- Returns the span whose stored events are read again (appends' are not: NULL when
-- every visitor is one), its sites, and whether any visitor is touched at all.
WITH added AS (
INSERT INTO touched (site_id, visitor_id, lo, hi, first_at, append, merge_into)
SELECT b.site_id, b.visitor_id,
    least(b.first_at, min(v.started_at)), greatest(b.last_at, max(v.ended_at)), b.first_at,
    %(fresh)s AND coalesce(max(v.ended_at) < b.first_at, true), max(v.session_id)
FROM (SELECT site_id, visitor_id, min("timestamp") AS first_at, max("timestamp") AS last_at
      FROM incoming_batch WHERE name IS DISTINCT FROM 'engagement'
      GROUP BY site_id, visitor_id) b
LEFT JOIN visits v ON v.site_id = b.site_id AND v.visitor_id = b.visitor_id
    AND v.ended_at > b.first_at - %(timeout)s AND v.started_at < b.last_at + %(timeout)s
GROUP BY b.site_id, b.visitor_id, b.first_at, b.last_at
RETURNING site_id, lo, hi, append
)
SELECT min(lo) FILTER (WHERE NOT append), max(hi) FILTER (WHERE NOT append),
    array_agg(DISTINCT site_id), count(*) > 0
FROM added

-- name: analyze_touched
-- The statistics the planner needs to read the stored events of a few visitors through
-- the indexes (a temporary table has none; it would guess 1,450 rows and scan). Only
-- when some visitor is not an append (docs/performance.md, "Fixed cost"): an ANALYZE
-- invalidates the cached plan of every statement reading touched.
ANALYZE touched

-- name: recompute_visits
-- Their events in those spans (the stored ones and, when %(fresh)s, the batch's, not
-- yet stored), split where consecutive ones are %(timeout)s apart. Ties are broken by
-- value (COLLATE "C" columns: byte order), so arrival order never shows. Each touched
-- visitor's stored events are read alone, through (site_id, visitor_id, timestamp) (OFFSET
-- 0 keeps the subquery apart): as one join bounded by the whole span, the planner took
-- the span's events as one row when their month's statistics predate them and looped
-- over them, 1 s a batch of 100 with four writers at once (docs/performance.md, "Several
-- flushes at once"). Only visitors that are not appends come here.
INSERT INTO new_visits
WITH stored AS (
    SELECT e.site_id, e.visitor_id, e."timestamp", e.name, e.pathname, e.interactive,
        e.referrer_source, e.referrer, e.channel, e.utm_medium, e.utm_source, e.utm_campaign,
        e.utm_content, e.utm_term, e.device, e.browser, e.browser_version, e.os, e.os_version,
        e.country, e.region, e.city, e.screen_size
    FROM touched t CROSS JOIN LATERAL (
        SELECT * FROM events e WHERE e.site_id = t.site_id AND e.visitor_id = t.visitor_id
            AND e."timestamp" >= t.lo AND e."timestamp" <= t.hi AND e.name <> 'engagement'
        OFFSET 0) e
    WHERE NOT t.append
    UNION ALL
    SELECT site_id, visitor_id, "timestamp", name, pathname, interactive, referrer_source,
        referrer, channel, utm_medium, utm_source, utm_campaign, utm_content, utm_term, device,
        browser, browser_version, os, os_version, country, region, city, screen_size
    FROM incoming_batch WHERE %(fresh)s AND name <> 'engagement'
),
ev AS (
    SELECT *, lag("timestamp") OVER (
        PARTITION BY site_id, visitor_id ORDER BY "timestamp") AS previous_at
    FROM stored
),
numbered AS (
    SELECT *, sum(CASE WHEN previous_at IS NULL OR "timestamp" - previous_at >= %(timeout)s
                  THEN 1 ELSE 0 END)
        OVER (PARTITION BY site_id, visitor_id ORDER BY "timestamp") AS visit_no
    FROM ev
),
-- Each visit's first instant, and its first and last pageviews': the attributes below
-- are the smallest value among the events at those instants (plain aggregates: an
-- ordered aggregate per column sorted every visit 19 times).
bounded AS (
    SELECT *,
        min("timestamp") OVER v AS first_at,
        min("timestamp") FILTER (WHERE name = 'pageview') OVER v AS first_view_at,
        max("timestamp") FILTER (WHERE name = 'pageview') OVER v AS last_view_at
    FROM numbered WINDOW v AS (PARTITION BY site_id, visitor_id, visit_no)
)
SELECT
    -- A visit's id: a hash of (site, visitor, first timestamp in microseconds).
    hashtextextended(site_id::text || ':' || visitor_id::text || ':'
        || (extract(epoch FROM min("timestamp")) * 1000000)::bigint::text, 0)
        & 9223372036854775807 AS session_id,
    site_id, visitor_id,
    min("timestamp") AS started_at, max("timestamp") AS ended_at,
    count(*) FILTER (WHERE name = 'pageview') AS pageviews, count(*) AS events,
    count(*) FILTER (WHERE name <> 'pageview' AND interactive) AS interactions,
    min(first_view_at) AS first_pageview_at,
    min(last_view_at) AS last_pageview_at,
    coalesce(min(pathname) FILTER (WHERE name = 'pageview' AND "timestamp" = first_view_at), '')
        AS entry_page,
    coalesce(max(pathname) FILTER (WHERE name = 'pageview' AND "timestamp" = last_view_at), '')
        AS exit_page,
    min(referrer_source) FILTER (WHERE "timestamp" = first_at) AS source,
    min(referrer) FILTER (WHERE "timestamp" = first_at) AS referrer,
    min(channel) FILTER (WHERE "timestamp" = first_at) AS channel,
    min(utm_medium) FILTER (WHERE "timestamp" = first_at) AS utm_medium,
    min(utm_source) FILTER (WHERE "timestamp" = first_at) AS utm_source,
    min(utm_campaign) FILTER (WHERE "timestamp" = first_at) AS utm_campaign,
    min(utm_content) FILTER (WHERE "timestamp" = first_at) AS utm_content,
    min(utm_term) FILTER (WHERE "timestamp" = first_at) AS utm_term,
    min(device) FILTER (WHERE "timestamp" = first_at) AS device,
    min(browser) FILTER (WHERE "timestamp" = first_at) AS browser,
    min(browser_version) FILTER (WHERE "timestamp" = first_at) AS browser_version,
    min(os) FILTER (WHERE "timestamp" = first_at) AS os,
    min(os_version) FILTER (WHERE "timestamp" = first_at) AS os_version,
    min(country) FILTER (WHERE "timestamp" = first_at) AS country,
    min(region) FILTER (WHERE "timestamp" = first_at) AS region,
    min(city) FILTER (WHERE "timestamp" = first_at) AS city,
    min(screen_size) FILTER (WHERE "timestamp" = first_at) AS screen_size
FROM bounded GROUP BY site_id, visitor_id, visit_no

-- name: extend_visits
-- An append's first new visit, when within the timeout of the visitor's last stored
-- visit, continues it: its start, id and attributes (set at its first instant) are the
-- stored visit's; counts add up; the entry page is the stored one's unless it had no
-- pageview, the exit page the new events' unless they have none (every new event is
-- later than every stored one, so no tie between the two sides is possible).
UPDATE new_visits n SET
    session_id = v.session_id, started_at = v.started_at,
    pageviews = v.pageviews + n.pageviews, events = v.events + n.events,
    interactions = v.interactions + n.interactions,
    first_pageview_at = coalesce(v.first_pageview_at, n.first_pageview_at),
    last_pageview_at = coalesce(n.last_pageview_at, v.last_pageview_at),
    entry_page = CASE WHEN v.first_pageview_at IS NULL THEN n.entry_page ELSE v.entry_page END,
    exit_page = CASE WHEN n.last_pageview_at IS NULL THEN v.exit_page ELSE n.exit_page END,
    source = v.source, referrer = v.referrer, channel = v.channel, utm_medium = v.utm_medium,
    utm_source = v.utm_source, utm_campaign = v.utm_campaign, utm_content = v.utm_content,
    utm_term = v.utm_term, device = v.device, browser = v.browser,
    browser_version = v.browser_version, os = v.os, os_version = v.os_version,
    country = v.country, region = v.region, city = v.city, screen_size = v.screen_size
FROM touched t JOIN visits v ON v.session_id = t.merge_into
WHERE t.append AND n.site_id = t.site_id AND n.visitor_id = t.visitor_id
    AND n.started_at = t.first_at

-- name: visit_ids_changed
-- Whether a stored visit of the touched spans loses its id (it merged into an earlier
-- one, or an earlier event became its start). New events only extend and merge visits,
-- never split them, so when none does, every stored event keeps its visit's id and
-- set_event_sessions has nothing to do (in-order traffic: the usual case). It skips a
-- join that reads every event of the site in the span.
-- (NOT IN: a hashed subplan. NOT EXISTS planned a nested loop over the unanalysed
-- new_visits, 280k comparisons and 80 ms for a batch of 1,000.)
SELECT EXISTS (
    SELECT 1 FROM touched t JOIN visits vi ON vi.site_id = t.site_id
        AND vi.visitor_id = t.visitor_id AND vi.started_at >= t.lo AND vi.started_at <= t.hi
    WHERE vi.session_id NOT IN (SELECT session_id FROM new_visits)
)

-- name: set_event_sessions
-- Stored events whose visit changed (in-order traffic: none, a visit's id is its start's).
UPDATE events e SET session_id = v.session_id FROM new_visits v
WHERE e.site_id = v.site_id AND e.visitor_id = v.visitor_id
    AND e."timestamp" >= v.started_at AND e."timestamp" <= v.ended_at
    AND e.session_id <> v.session_id AND e.name <> 'engagement'
    AND e.site_id = ANY(%(sites)s) AND e."timestamp" >= %(lo)s AND e."timestamp" <= %(hi)s

-- name: insert_events
-- The batch's events, each with the id of its visit (recompute_visits ran first).
INSERT INTO events (site_id, "timestamp", name, hostname, pathname, visitor_id, session_id, referrer, referrer_source, channel, utm_medium, utm_source, utm_campaign, utm_content, utm_term, click_id_param, country, region, city, browser, browser_version, os, os_version, device, screen_size, language, props, revenue_amount, revenue_currency, interactive, entry_page)
SELECT b.site_id, b."timestamp", b.name, b.hostname, b.pathname, b.visitor_id, v.session_id, b.referrer, b.referrer_source, b.channel, b.utm_medium, b.utm_source, b.utm_campaign, b.utm_content, b.utm_term, b.click_id_param, b.country, b.region, b.city, b.browser, b.browser_version, b.os, b.os_version, b.device, b.screen_size, b.language, b.props, b.revenue_amount, b.revenue_currency, b.interactive, b.entry_page
FROM incoming_batch b JOIN new_visits v
    ON b.site_id = v.site_id AND b.visitor_id = v.visitor_id
    AND b."timestamp" >= v.started_at AND b."timestamp" <= v.ended_at
WHERE b.name <> 'engagement'

-- name: insert_engagements
-- The batch's engagement events (domain.ENGAGEMENT): outside the visit rule, so of no
-- visit (session id 0); time on page and scroll depth read them by visitor and page.
INSERT INTO events (site_id, "timestamp", name, hostname, pathname, visitor_id, session_id, referrer, referrer_source, channel, utm_medium, utm_source, utm_campaign, utm_content, utm_term, click_id_param, country, region, city, browser, browser_version, os, os_version, device, screen_size, language, props, revenue_amount, revenue_currency, interactive, entry_page)
SELECT site_id, "timestamp", name, hostname, pathname, visitor_id, 0, referrer, referrer_source, channel, utm_medium, utm_source, utm_campaign, utm_content, utm_term, click_id_param, country, region, city, browser, browser_version, os, os_version, device, screen_size, language, props, revenue_amount, revenue_currency, interactive, entry_page
FROM incoming_batch WHERE name = 'engagement'

-- name: delete_touched_visits
-- The stored visits of the touched spans; new_visits replaces them.
DELETE FROM visits vi USING touched t
WHERE vi.site_id = t.site_id AND vi.visitor_id = t.visitor_id
    AND vi.started_at >= t.lo AND vi.started_at <= t.hi

-- name: insert_visits
INSERT INTO visits SELECT * FROM new_visits

-- name: lock_visitors
-- Serialises writers of one visitor across connections and replicas: each takes its
-- locks in ascending order (the array arrives sorted), so none waits in a cycle.
SELECT count(pg_advisory_xact_lock(%(site)s, k)) FROM unnest(%(keys)s::int4[]) AS k

-- name: share_site
-- Writers hold their sites shared; a range delete holds its site alone.
SELECT pg_advisory_xact_lock_shared(%s::bigint)

-- name: own_site
SELECT pg_advisory_xact_lock(%s::bigint)

-- name: delete_range
-- The events delete_events removes, kept in incoming_batch so that their visitors'
-- visits are split again from what remains (fresh = FALSE).
WITH gone AS (
    DELETE FROM events WHERE site_id = %(site)s
        AND (%(start)s::timestamptz IS NULL OR "timestamp" >= %(start)s)
        AND (%(end)s::timestamptz IS NULL OR "timestamp" < %(end)s)
    RETURNING site_id, visitor_id, "timestamp"
)
INSERT INTO incoming_batch (site_id, visitor_id, "timestamp") SELECT * FROM gone

-- name: event_partitions
-- The months events has a partition for (names events_pYYYYMM).
SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'events'::regclass

-- name: create_partition
-- Through the migration's SECURITY DEFINER function (010_partition_functions.sql): the
-- application role owns no table.
SELECT footfall_create_partition(%s::date)

-- name: drop_partition
-- The month's partition, dropped when it holds no event (under the function's lock).
SELECT footfall_drop_partition(%s::date)

-- name: count_events
SELECT count(*) FROM events WHERE site_id = %s

-- name: fetch_events
SELECT * FROM events WHERE site_id = %s ORDER BY "timestamp" LIMIT %s

-- name: add_site
INSERT INTO sites (domain, timezone, umami_website_id, created_at) VALUES (%s, %s, %s, %s)
ON CONFLICT DO NOTHING
RETURNING id, domain, timezone, umami_website_id, retention_days, created_at

-- name: list_sites
SELECT id, domain, timezone, umami_website_id, retention_days, created_at
FROM sites ORDER BY domain

-- name: site_by_domain
SELECT id, domain, timezone, umami_website_id, retention_days, created_at
FROM sites WHERE domain = %s

-- name: site_by_id
SELECT id, domain, timezone, umami_website_id, retention_days, created_at
FROM sites WHERE id = %s

-- name: site_by_umami_id
SELECT id, domain, timezone, umami_website_id, retention_days, created_at
FROM sites WHERE umami_website_id = %s

-- name: delete_site_events
DELETE FROM events WHERE site_id = %s

-- name: delete_site_keys
DELETE FROM api_keys WHERE site_id = %s

-- name: delete_site_embeds
DELETE FROM site_embeds WHERE site_id = %s

-- name: embed_origins
SELECT origins FROM site_embeds WHERE site_id = %s

-- name: set_embed_origins
INSERT INTO site_embeds (site_id, origins) VALUES (%s, %s)
ON CONFLICT (site_id) DO UPDATE SET origins = excluded.origins

-- name: delete_site_shields
DELETE FROM site_shields WHERE site_id = %s

-- name: delete_site_drops
DELETE FROM site_drops WHERE site_id = %s

-- name: shields
SELECT rules FROM site_shields WHERE site_id = %s

-- name: set_shields
INSERT INTO site_shields (site_id, rules) VALUES (%s, %s)
ON CONFLICT (site_id) DO UPDATE SET rules = excluded.rules

-- name: add_drops
INSERT INTO site_drops (site_id, reason, dropped)
SELECT %s, %s, %s WHERE EXISTS (SELECT 1 FROM sites WHERE id = %s)
ON CONFLICT (site_id, reason) DO UPDATE SET dropped = site_drops.dropped + excluded.dropped

-- name: site_drops
SELECT reason, dropped FROM site_drops WHERE site_id = %s ORDER BY reason

-- name: delete_site
DELETE FROM sites WHERE id = %s RETURNING id

-- name: add_key
INSERT INTO api_keys (prefix, site_id, digest, scopes, name, created_at)
VALUES (%s, %s, %s, %s, %s, %s)
RETURNING prefix, site_id, scopes, name, created_at, last_used_at, revoked_at

-- name: find_key
SELECT prefix, site_id, scopes, name, created_at, last_used_at, revoked_at, digest
FROM api_keys WHERE prefix = %s

-- name: list_keys
SELECT prefix, site_id, scopes, name, created_at, last_used_at, revoked_at
FROM api_keys ORDER BY created_at

-- name: list_site_keys
SELECT prefix, site_id, scopes, name, created_at, last_used_at, revoked_at
FROM api_keys WHERE site_id = %s ORDER BY created_at

-- name: revoke_key
UPDATE api_keys SET revoked_at = %s WHERE prefix = %s AND revoked_at IS NULL RETURNING prefix

-- name: touch_key
UPDATE api_keys SET last_used_at = %s WHERE prefix = %s

-- name: insert_salt
INSERT INTO salts VALUES (%s, %s) ON CONFLICT DO NOTHING

-- name: delete_old_salts
DELETE FROM salts WHERE day < %s

-- name: first_event
SELECT min("timestamp") FROM events WHERE site_id = %s

-- name: add_goal
INSERT INTO goals (site_id, event_name, page_path, display_name, created_at)
VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING
RETURNING id, site_id, event_name, page_path, display_name

-- name: list_goals
SELECT id, site_id, event_name, page_path, display_name FROM goals ORDER BY site_id, display_name

-- name: list_site_goals
SELECT id, site_id, event_name, page_path, display_name FROM goals WHERE site_id = %s
ORDER BY display_name

-- name: remove_goal
DELETE FROM goals WHERE site_id = %s AND display_name = %s RETURNING id

-- name: delete_site_goals
DELETE FROM goals WHERE site_id = %s

-- name: add_funnel
INSERT INTO funnels (site_id, name, steps, created_at) VALUES (%s, %s, %s, %s)
ON CONFLICT DO NOTHING RETURNING id, site_id, name, steps

-- name: list_funnels
SELECT id, site_id, name, steps FROM funnels ORDER BY site_id, name

-- name: list_site_funnels
SELECT id, site_id, name, steps FROM funnels WHERE site_id = %s ORDER BY name

-- name: remove_funnel
DELETE FROM funnels WHERE site_id = %s AND name = %s RETURNING id

-- name: delete_site_funnels
DELETE FROM funnels WHERE site_id = %s

-- name: delete_site_visits
DELETE FROM visits WHERE site_id = %s

-- name: add_user
INSERT INTO users (email, password_hash, role, created_at) VALUES (%s, %s, %s, %s)
ON CONFLICT DO NOTHING
RETURNING id, email, role, created_at

-- name: user_by_email
SELECT id, email, role, created_at, password_hash FROM users WHERE email = %s

-- name: user_by_id
SELECT id, email, role, created_at, password_hash FROM users WHERE id = %s

-- name: list_users
SELECT id, email, role, created_at FROM users ORDER BY email

-- name: count_users
SELECT count(*) FROM users

-- name: set_password
UPDATE users SET password_hash = %s WHERE id = %s

-- name: set_user_role
UPDATE users SET role = %s WHERE id = %s

-- name: delete_user
DELETE FROM users WHERE id = %s

-- name: delete_user_memberships
DELETE FROM memberships WHERE user_id = %s

-- name: delete_user_sessions
DELETE FROM web_sessions WHERE user_id = %s

-- name: set_membership
INSERT INTO memberships (user_id, site_id, role, created_at) VALUES (%s, %s, %s, %s)
ON CONFLICT (user_id, site_id) DO UPDATE SET role = excluded.role

-- name: delete_membership
DELETE FROM memberships WHERE user_id = %s AND site_id = %s RETURNING user_id

-- name: user_memberships
SELECT site_id, role FROM memberships WHERE user_id = %s

-- name: site_members
SELECT u.id, u.email, u.role, u.created_at, m.role
FROM memberships m JOIN users u ON u.id = m.user_id
WHERE m.site_id = %s ORDER BY u.email

-- name: add_web_session
INSERT INTO web_sessions (token_hash, user_id, created_at, expires_at) VALUES (%s, %s, %s, %s)

-- name: web_session
SELECT user_id, created_at, expires_at FROM web_sessions WHERE token_hash = %s

-- name: delete_web_session
DELETE FROM web_sessions WHERE token_hash = %s

-- name: delete_expired_web_sessions
DELETE FROM web_sessions WHERE expires_at <= %s

-- name: add_invitation
INSERT INTO invitations (token_hash, email, site_id, role, invited_by, created_at, expires_at)
VALUES (%s, %s, %s, %s, %s, %s, %s)

-- name: invitation
SELECT token_hash, email, site_id, role, invited_by, created_at, expires_at
FROM invitations WHERE token_hash = %s

-- name: site_invitations
SELECT token_hash, email, site_id, role, invited_by, created_at, expires_at
FROM invitations WHERE site_id = %s ORDER BY created_at

-- name: delete_invitation
DELETE FROM invitations WHERE token_hash = %s RETURNING email

-- name: add_share
INSERT INTO shared_links (site_id, token, name, password_hash, created_at) VALUES (%s, %s, %s, %s, %s)
RETURNING id, site_id, token, name, password_hash, created_at, revoked_at

-- name: share_by_token
SELECT id, site_id, token, name, password_hash, created_at, revoked_at
FROM shared_links WHERE token = %s

-- name: site_shares
SELECT id, site_id, token, name, password_hash, created_at, revoked_at
FROM shared_links WHERE site_id = %s ORDER BY created_at

-- name: revoke_share
UPDATE shared_links SET revoked_at = %s WHERE site_id = %s AND id = %s AND revoked_at IS NULL
RETURNING id

-- name: delete_site_memberships
DELETE FROM memberships WHERE site_id = %s

-- name: delete_site_invitations
DELETE FROM invitations WHERE site_id = %s

-- name: delete_site_shares
DELETE FROM shared_links WHERE site_id = %s

-- name: set_site_timezone
UPDATE sites SET timezone = %s WHERE id = %s

-- name: salts_for_days
SELECT day, salt FROM salts WHERE day = ANY(%s)

-- Restores (footfall/transfer.py): exported rows with their ids.
-- name: restore_site
INSERT INTO sites (id, domain, timezone, umami_website_id, retention_days, created_at)
VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING id

-- name: restore_key
INSERT INTO api_keys (prefix, site_id, digest, scopes, name, created_at, last_used_at, revoked_at)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING prefix

-- name: restore_goal
INSERT INTO goals (id, site_id, event_name, page_path, display_name, created_at)
VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING id

-- name: restore_user
INSERT INTO users (id, email, password_hash, role, created_at)
VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING id

-- name: restore_share
INSERT INTO shared_links (id, site_id, token, name, password_hash, created_at, revoked_at)
VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING id

-- name: export_events
SELECT * FROM events WHERE site_id = %s AND "timestamp" >= %s AND "timestamp" < %s
ORDER BY "timestamp", visitor_id, name, pathname

-- name: advance_ids
-- Never back: another replica may have drawn ids above the restored one meanwhile.
WITH s AS (SELECT pg_get_serial_sequence(%s, 'id')::regclass AS seq)
SELECT setval(seq, greatest(%s::bigint, coalesce(pg_sequence_last_value(seq), 0)), true) FROM s

-- name: note_days
-- The UTC days events were written to (or deleted from), listed for rollups
-- (store/postgres/rollups.py): arrays of site ids and days. No lock on a day listed
-- already: writers of today never queue on it. (A day listed by a writer not committed
-- yet: this waits for it, so mark_days, a later statement, sees the row.)
INSERT INTO rollup_days (site_id, day)
SELECT * FROM unnest(%(sites)s::integer[], %(days)s::date[]) ORDER BY 1, 2
ON CONFLICT DO NOTHING

-- name: mark_days
-- An ended day of those is marked dirty, so it is rolled up again. Today is
-- not: it is rolled up only once it ended over an hour ago, after any writer of it has
-- committed. An ended day's row is locked even when it reads dirty already: that may
-- be a snapshot from before a roll-up claimed it (claim_rollup_day), which must then
-- wait for this write. Locked in one order.
WITH ended AS (
    SELECT r.site_id, r.day FROM rollup_days r
    JOIN unnest(%(sites)s::integer[], %(days)s::date[]) AS d (site_id, day)
        ON d.site_id = r.site_id AND d.day = r.day
    WHERE r.day < (statement_timestamp() AT TIME ZONE 'UTC')::date
    ORDER BY r.site_id, r.day FOR UPDATE OF r
)
UPDATE rollup_days r SET dirty = true FROM ended e WHERE r.site_id = e.site_id AND r.day = e.day

-- name: rollups_due
-- Days to roll up (again): ended over %(settle)s ago, and never rolled up, written to
-- since, rolled up in a zone the site no longer has, without filtered rows (rolled
-- up before migration 11), or for other page goals than the site's (their patterns,
-- returned: the roll-up holds those). Newest first.
WITH s AS (
    SELECT s.id, s.timezone, coalesce((
        SELECT array_agg(DISTINCT g.page_path ORDER BY g.page_path) FROM goals g
        WHERE g.site_id = s.id AND g.event_name = '' AND g.page_path <> ''
    ), '{}') AS page_goals
    FROM sites s
)
SELECT r.site_id, r.day, s.timezone, s.page_goals FROM rollup_days r JOIN s ON s.id = r.site_id
WHERE (r.dirty OR r.rolled_zone IS DISTINCT FROM s.timezone OR NOT r.filtered
        OR r.page_goals <> s.page_goals)
    AND r.day < ((now() - %(settle)s) AT TIME ZONE 'UTC')::date
ORDER BY r.day DESC, r.site_id LIMIT %(limit)s

-- name: claim_rollup_day
-- Takes the day (a writer marking it dirty meanwhile waits, then marks it again); none
-- when another replica rolled it up meanwhile.
UPDATE rollup_days
SET dirty = false, rolled_zone = %(zone)s, filtered = true, page_goals = %(goals)s::text[]
WHERE site_id = %(site)s AND day = %(day)s
    AND (dirty OR rolled_zone IS DISTINCT FROM %(zone)s OR NOT filtered
        OR page_goals <> %(goals)s::text[])
RETURNING day

-- name: clear_rollup_day
DELETE FROM rollups WHERE site_id = %(site)s AND utc_day = %(day)s

-- name: rolled_days
-- The days of a range whose rollups answer for it, in its zone, and whether their
-- filtered rows do too (no: rolled up before migration 11, not again yet), and the
-- page goals (patterns) whose rows they hold.
SELECT day, filtered, page_goals FROM rollup_days
WHERE site_id = %(site)s AND day >= %(first)s AND day <= %(last)s
    AND rolled_zone = %(zone)s AND NOT dirty

-- name: delete_site_rollups
WITH gone AS (DELETE FROM rollups WHERE site_id = %(site)s)
DELETE FROM rollup_days WHERE site_id = %(site)s

-- name: batch_days
-- The UTC days of incoming_batch (a range delete's events).
SELECT site_id, ("timestamp" AT TIME ZONE 'UTC')::date AS day FROM incoming_batch GROUP BY 1, 2

-- name: add_segment
INSERT INTO segments (site_id, owner_id, name, filters, created_by, created_at)
VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING
RETURNING id, site_id, owner_id, name, filters, created_by

-- name: site_segments
SELECT id, site_id, owner_id, name, filters, created_by FROM segments
WHERE site_id = %s AND owner_id IN (0, %s) ORDER BY owner_id <> 0, name, id

-- name: get_segment
SELECT id, site_id, owner_id, name, filters, created_by FROM segments WHERE id = %s

-- name: update_segment
UPDATE segments SET filters = %s WHERE id = %s RETURNING id

-- name: remove_segment
DELETE FROM segments WHERE id = %s RETURNING id

-- name: delete_site_segments
DELETE FROM segments WHERE site_id = %s

-- name: delete_user_segments
DELETE FROM segments WHERE owner_id = %s

-- imports (footfall/imports/; generated from imports/tables.py) ----------------

-- name: insert_imported_visitors
INSERT INTO imported_visitors (site_id, import_digest, date, visitors, pageviews, bounces, visits, visit_duration)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s)

-- name: delete_import_imported_visitors
DELETE FROM imported_visitors WHERE site_id = %s AND import_digest = %s

-- name: delete_site_imported_visitors
DELETE FROM imported_visitors WHERE site_id = %s

-- name: insert_imported_sources
INSERT INTO imported_sources (site_id, import_digest, date, source, referrer, utm_source, utm_medium, utm_campaign, utm_content, utm_term, pageviews, visitors, visits, visit_duration, bounces)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)

-- name: delete_import_imported_sources
DELETE FROM imported_sources WHERE site_id = %s AND import_digest = %s

-- name: delete_site_imported_sources
DELETE FROM imported_sources WHERE site_id = %s

-- name: insert_imported_pages
INSERT INTO imported_pages (site_id, import_digest, date, hostname, page, visits, visitors, pageviews, total_scroll_depth, total_scroll_depth_visits, total_time_on_page, total_time_on_page_visits)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)

-- name: delete_import_imported_pages
DELETE FROM imported_pages WHERE site_id = %s AND import_digest = %s

-- name: delete_site_imported_pages
DELETE FROM imported_pages WHERE site_id = %s

-- name: insert_imported_entry_pages
INSERT INTO imported_entry_pages (site_id, import_digest, date, entry_page, visitors, entrances, visit_duration, bounces, pageviews)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)

-- name: delete_import_imported_entry_pages
DELETE FROM imported_entry_pages WHERE site_id = %s AND import_digest = %s

-- name: delete_site_imported_entry_pages
DELETE FROM imported_entry_pages WHERE site_id = %s

-- name: insert_imported_exit_pages
INSERT INTO imported_exit_pages (site_id, import_digest, date, exit_page, visitors, visit_duration, exits, bounces, pageviews)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)

-- name: delete_import_imported_exit_pages
DELETE FROM imported_exit_pages WHERE site_id = %s AND import_digest = %s

-- name: delete_site_imported_exit_pages
DELETE FROM imported_exit_pages WHERE site_id = %s

-- name: insert_imported_custom_events
INSERT INTO imported_custom_events (site_id, import_digest, date, name, link_url, path, visitors, events)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s)

-- name: delete_import_imported_custom_events
DELETE FROM imported_custom_events WHERE site_id = %s AND import_digest = %s

-- name: delete_site_imported_custom_events
DELETE FROM imported_custom_events WHERE site_id = %s

-- name: insert_imported_locations
INSERT INTO imported_locations (site_id, import_digest, date, country, region, city, visitors, visits, visit_duration, bounces, pageviews)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)

-- name: delete_import_imported_locations
DELETE FROM imported_locations WHERE site_id = %s AND import_digest = %s

-- name: delete_site_imported_locations
DELETE FROM imported_locations WHERE site_id = %s

-- name: insert_imported_devices
INSERT INTO imported_devices (site_id, import_digest, date, device, visitors, visits, visit_duration, bounces, pageviews)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)

-- name: delete_import_imported_devices
DELETE FROM imported_devices WHERE site_id = %s AND import_digest = %s

-- name: delete_site_imported_devices
DELETE FROM imported_devices WHERE site_id = %s

-- name: insert_imported_browsers
INSERT INTO imported_browsers (site_id, import_digest, date, browser, browser_version, visitors, visits, visit_duration, bounces, pageviews)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)

-- name: delete_import_imported_browsers
DELETE FROM imported_browsers WHERE site_id = %s AND import_digest = %s

-- name: delete_site_imported_browsers
DELETE FROM imported_browsers WHERE site_id = %s

-- name: insert_imported_operating_systems
INSERT INTO imported_operating_systems (site_id, import_digest, date, operating_system, operating_system_version, visitors, visits, visit_duration, bounces, pageviews)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)

-- name: delete_import_imported_operating_systems
DELETE FROM imported_operating_systems WHERE site_id = %s AND import_digest = %s

-- name: delete_site_imported_operating_systems
DELETE FROM imported_operating_systems WHERE site_id = %s

-- name: delete_import
DELETE FROM site_imports WHERE site_id = %s AND digest = %s

-- name: delete_site_imports
DELETE FROM site_imports WHERE site_id = %s

-- name: add_import
INSERT INTO site_imports (site_id, digest, source, file_name, start_date, end_date, row_count, created_at)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s)

-- name: list_imports
SELECT site_id, digest, source, file_name, start_date, end_date, row_count, created_at
FROM site_imports WHERE site_id = %s ORDER BY created_at, digest

-- name: rows_imported_visitors
SELECT date, visitors, pageviews, bounces, visits, visit_duration
FROM imported_visitors WHERE site_id = %s ORDER BY date, visitors, pageviews, bounces, visits, visit_duration

-- name: rows_imported_sources
SELECT date, source, referrer, utm_source, utm_medium, utm_campaign, utm_content, utm_term, pageviews, visitors, visits, visit_duration, bounces
FROM imported_sources WHERE site_id = %s ORDER BY date, source, referrer, utm_source, utm_medium, utm_campaign, utm_content, utm_term, pageviews, visitors, visits, visit_duration, bounces

-- name: rows_imported_pages
SELECT date, hostname, page, visits, visitors, pageviews, total_scroll_depth, total_scroll_depth_visits, total_time_on_page, total_time_on_page_visits
FROM imported_pages WHERE site_id = %s ORDER BY date, hostname, page, visits, visitors, pageviews, total_scroll_depth, total_scroll_depth_visits, total_time_on_page, total_time_on_page_visits

-- name: rows_imported_entry_pages
SELECT date, entry_page, visitors, entrances, visit_duration, bounces, pageviews
FROM imported_entry_pages WHERE site_id = %s ORDER BY date, entry_page, visitors, entrances, visit_duration, bounces, pageviews

-- name: rows_imported_exit_pages
SELECT date, exit_page, visitors, visit_duration, exits, bounces, pageviews
FROM imported_exit_pages WHERE site_id = %s ORDER BY date, exit_page, visitors, visit_duration, exits, bounces, pageviews

-- name: rows_imported_custom_events
SELECT date, name, link_url, path, visitors, events
FROM imported_custom_events WHERE site_id = %s ORDER BY date, name, link_url, path, visitors, events

-- name: rows_imported_locations
SELECT date, country, region, city, visitors, visits, visit_duration, bounces, pageviews
FROM imported_locations WHERE site_id = %s ORDER BY date, country, region, city, visitors, visits, visit_duration, bounces, pageviews

-- name: rows_imported_devices
SELECT date, device, visitors, visits, visit_duration, bounces, pageviews
FROM imported_devices WHERE site_id = %s ORDER BY date, device, visitors, visits, visit_duration, bounces, pageviews

-- name: rows_imported_browsers
SELECT date, browser, browser_version, visitors, visits, visit_duration, bounces, pageviews
FROM imported_browsers WHERE site_id = %s ORDER BY date, browser, browser_version, visitors, visits, visit_duration, bounces, pageviews

-- name: rows_imported_operating_systems
SELECT date, operating_system, operating_system_version, visitors, visits, visit_duration, bounces, pageviews
FROM imported_operating_systems WHERE site_id = %s ORDER BY date, operating_system, operating_system_version, visitors, visits, visit_duration, bounces, pageviews

-- Two-factor authentication (008_two_factor_retention.sql) ----------------------------

-- name: get_totp
SELECT t.secret, t.enabled, t.last_step,
    coalesce((SELECT array_agg(code_hash ORDER BY code_hash) FROM user_recovery_codes r
              WHERE r.user_id = t.user_id), '{}')
FROM user_totp t WHERE t.user_id = %s

-- name: start_totp
INSERT INTO user_totp (user_id, secret, enabled, last_step, created_at)
VALUES (%s, %s, false, 0, %s)
ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at
WHERE NOT user_totp.enabled
RETURNING user_id

-- name: enable_totp
UPDATE user_totp SET enabled = true, last_step = %s WHERE user_id = %s AND NOT enabled
RETURNING user_id

-- name: add_recovery_code
INSERT INTO user_recovery_codes (user_id, code_hash) VALUES (%s, %s) ON CONFLICT DO NOTHING

-- name: claim_totp_step
UPDATE user_totp SET last_step = %s WHERE user_id = %s AND enabled AND last_step < %s
RETURNING user_id

-- name: use_recovery_code
DELETE FROM user_recovery_codes WHERE user_id = %s AND code_hash = %s RETURNING user_id

-- name: delete_user_totp
DELETE FROM user_totp WHERE user_id = %s

-- name: delete_user_recovery_codes
DELETE FROM user_recovery_codes WHERE user_id = %s

-- name: site_requires_2fa
SELECT require_2fa FROM site_security WHERE site_id = %s

-- name: set_site_requires_2fa
INSERT INTO site_security (site_id, require_2fa) VALUES (%s, %s)
ON CONFLICT (site_id) DO UPDATE SET require_2fa = excluded.require_2fa

-- name: delete_site_security
DELETE FROM site_security WHERE site_id = %s

-- Retention (008_two_factor_retention.sql) ---------------------------------------------

-- name: set_site_retention
UPDATE sites SET retention_days = %s WHERE id = %s RETURNING id

-- name: claim_job
INSERT INTO job_claims (job, period, claimed_at) VALUES (%s, %s, %s)
ON CONFLICT DO NOTHING RETURNING job
