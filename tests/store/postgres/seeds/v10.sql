-- What a server at schema version 10 (010_partition_functions.sql) writes beyond
-- v9.sql: nothing new (its partitions are made by a function instead of by the
-- server's own statement); the harness needs one statement.
SELECT 1;
