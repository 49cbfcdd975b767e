-- What a server at schema version 5 (005_filter_indexes.sql) writes beyond v4.sql, for
-- the migration harness (test_migrations.py): nothing new (the migration adds indexes
-- only; the seed's events must be found through them as before).
SELECT 1;
