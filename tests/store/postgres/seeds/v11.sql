-- What a server at schema version 11 (011_filtered_rollups.sql) writes beyond
-- v10.sql: filtered rollup rows, only once a day is rolled up, which the seeds leave
-- to the server; the harness needs one statement.
SELECT 1;
