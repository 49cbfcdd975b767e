-- Email (footfall/mail, docs/email.md): the outbox a background worker drains, the
-- password reset tokens (SHA-256 of 256-bit random tokens), and who gets which
-- reports and alerts.
CREATE SEQUENCE IF NOT EXISTS mail_ids START 1;
CREATE TABLE IF NOT EXISTS mail_outbox (
    id BIGINT PRIMARY KEY DEFAULT nextval('mail_ids'),
    dedupe_key VARCHAR UNIQUE,       -- a report's site/recipient/period: queued once ever
    recipient VARCHAR NOT NULL,
    subject VARCHAR NOT NULL,
    body_text VARCHAR NOT NULL,
    body_html VARCHAR NOT NULL,
    list_unsubscribe VARCHAR NOT NULL DEFAULT '',  -- a report's one-click unsubscribe URL
    created_at TIMESTAMP NOT NULL,
    due_at TIMESTAMP NOT NULL,       -- the next attempt (retries back off)
    claimed_until TIMESTAMP,         -- a worker holds it until then
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error VARCHAR NOT NULL DEFAULT '',
    sent_at TIMESTAMP,
    failed_at TIMESTAMP              -- given up
);
CREATE TABLE IF NOT EXISTS password_resets (
    token_hash BLOB PRIMARY KEY,
    user_id INTEGER NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS mail_subscriptions (
    site_id INTEGER NOT NULL,
    email VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,           -- weekly, monthly, spike, drop
    threshold INTEGER NOT NULL,
    PRIMARY KEY (site_id, email, kind)
);
