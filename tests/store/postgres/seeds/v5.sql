-- What a server at the schema version of 005_email.sql writes beyond the earlier
-- seeds, for the migration harness (test_migrations.py): a sent report, a queued
-- message, a reset token and a subscription of site 7.
INSERT INTO mail_outbox (dedupe_key, recipient, subject, body_text, body_html, created_at,
    due_at, attempts, sent_at)
VALUES ('weekly:7:ann@example.com:2026-03-02', 'ann@example.com', 'Report', 't', '<p>h</p>',
    '2026-03-09 08:00+00', '2026-03-09 08:00+00', 1, '2026-03-09 08:00+00');
INSERT INTO mail_outbox (recipient, subject, body_text, body_html, created_at, due_at)
VALUES ('bob@example.com', 'Queued', 't', '<p>h</p>', '2026-03-10 08:00+00', '2026-03-10 08:00+00');
INSERT INTO password_resets (token_hash, user_id, expires_at)
SELECT '\x0102'::bytea, id, '2100-01-01 00:00+00' FROM users WHERE email = 'ann@example.com';
INSERT INTO mail_subscriptions (site_id, email, kind, threshold)
VALUES (7, 'ann@example.com', 'weekly', 0);
