-- What a server at schema version 5 (005_two_factor.sql) writes beyond v4.sql, for the
-- migration harness (test_migrations.py): site 7 requires two-factor authentication.
INSERT INTO site_security (site_id, require_2fa) VALUES (7, true) ON CONFLICT DO NOTHING;
