-- What a server at schema version 12 (012_page_goal_rollups.sql) writes beyond
-- v11.sql: page-goal rollup rows, only once a day is rolled up, which the seeds leave
-- to the server; the harness needs one statement.
SELECT 1;
