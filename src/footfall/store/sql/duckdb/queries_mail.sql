-- Email's statements (store/sql/mail.py); parameters are always bound.

-- name: queue_mail
INSERT INTO mail_outbox (dedupe_key, recipient, subject, body_text, body_html, created_at, due_at,
    list_unsubscribe)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT DO NOTHING
RETURNING id

-- name: claim_mail
-- The oldest due message no worker holds, held for a lease.
UPDATE mail_outbox SET claimed_until = ?, attempts = attempts + 1
WHERE id = (
    SELECT id FROM mail_outbox
    WHERE sent_at IS NULL AND failed_at IS NULL AND due_at <= ?
        AND (claimed_until IS NULL OR claimed_until <= ?)
    ORDER BY due_at, id LIMIT 1
)
RETURNING id, recipient, subject, body_text, body_html, attempts, created_at, list_unsubscribe

-- name: mail_sent
UPDATE mail_outbox SET sent_at = ?, claimed_until = NULL, last_error = '' WHERE id = ?

-- name: mail_retry
UPDATE mail_outbox SET due_at = ?, claimed_until = NULL, last_error = ? WHERE id = ?

-- name: mail_given_up
UPDATE mail_outbox SET failed_at = ?, claimed_until = NULL, last_error = ? WHERE id = ?

-- name: mail_counts
SELECT
    count(*) FILTER (WHERE sent_at IS NULL AND failed_at IS NULL),
    count(*) FILTER (WHERE sent_at IS NOT NULL),
    count(*) FILTER (WHERE failed_at IS NOT NULL)
FROM mail_outbox

-- name: add_reset_token
INSERT INTO password_resets (token_hash, user_id, expires_at) VALUES (?, ?, ?)

-- name: take_reset_token
DELETE FROM password_resets WHERE token_hash = ? RETURNING user_id, expires_at

-- name: delete_expired_reset_tokens
DELETE FROM password_resets WHERE expires_at <= ?

-- name: set_subscription
INSERT INTO mail_subscriptions (site_id, email, kind, threshold) VALUES (?, ?, ?, ?)
ON CONFLICT (site_id, email, kind) DO UPDATE SET threshold = excluded.threshold

-- name: remove_subscription
DELETE FROM mail_subscriptions WHERE site_id = ? AND email = ? AND kind = ? RETURNING kind

-- name: subscriptions
SELECT site_id, email, kind, threshold FROM mail_subscriptions ORDER BY site_id, kind, email

-- name: site_subscriptions
SELECT site_id, email, kind, threshold FROM mail_subscriptions WHERE site_id = ?
ORDER BY site_id, kind, email

-- name: forget_site_mail
DELETE FROM mail_subscriptions WHERE site_id = ?
