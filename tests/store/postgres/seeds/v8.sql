-- What a server at schema version 8 (008_two_factor_retention.sql) writes beyond v7.sql,
-- for the migration harness (test_migrations.py): site 7 requires two-factor authentication.
INSERT INTO site_security (site_id, require_2fa) VALUES (7, true) ON CONFLICT DO NOTHING;
-- and today's retention pass was claimed already.
INSERT INTO job_claims (job, period, claimed_at) VALUES ('retention', '2026-03-12', '2026-03-12 00:01+00')
ON CONFLICT DO NOTHING;
