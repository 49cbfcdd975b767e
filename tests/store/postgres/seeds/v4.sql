-- What a server at schema version 4 (004_rollups.sql) writes beyond v3.sql, for the
-- migration harness (test_migrations.py): the seed's day listed for rollups (listed
-- by migration 4 already when it ran after v1.sql's events), not rolled up yet.
INSERT INTO rollup_days (site_id, day) VALUES (7, '2026-03-10') ON CONFLICT DO NOTHING;
