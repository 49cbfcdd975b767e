-- What a server at schema version 7 (007_imports.sql) writes
-- beyond v6.sql, for the migration harness (test_migrations.py): one Plausible import.
INSERT INTO site_imports (site_id, digest, source, file_name, start_date, end_date, row_count, created_at)
VALUES (7, 'abc123', 'plausible', 'old_example_20240101.zip', '2024-01-01', '2024-01-01', 1, '2024-02-01 00:00:00+00');
INSERT INTO imported_visitors (site_id, import_digest, date, visitors, pageviews, bounces, visits, visit_duration)
VALUES (7, 'abc123', '2024-01-01', 5, 9, 2, 6, 300);
