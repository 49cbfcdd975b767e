-- What a server at schema version 9 (009_partition_functions.sql) writes beyond
-- v8.sql: nothing new (its partitions are made by a function instead of by the
-- server's own statement); the harness needs one statement.
SELECT 1;
