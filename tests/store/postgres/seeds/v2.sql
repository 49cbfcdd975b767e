-- What a server at schema version 2 (002_funnels_segments.sql) writes beyond v1.sql,
-- for the migration harness (test_migrations.py): a funnel.
INSERT INTO funnels (site_id, name, steps, created_at)
VALUES (7, 'Pricing', '[["","/"],["","/pricing"]]', '2026-03-01 08:00+00');
