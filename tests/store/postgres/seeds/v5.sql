-- What a server at schema version 5 (008_partition_functions.sql) writes beyond
-- v4.sql: nothing new (its partitions are made by a function instead of by the
-- server's own statement); the harness needs one statement.
SELECT 1;
