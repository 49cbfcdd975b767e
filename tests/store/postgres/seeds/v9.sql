-- What a server at the schema version of 009_filter_indexes.sql writes beyond the
-- earlier seeds, for the migration harness (test_migrations.py): nothing new (the
-- migration adds indexes only; the seed's events are found through them as before).
SELECT 1;
