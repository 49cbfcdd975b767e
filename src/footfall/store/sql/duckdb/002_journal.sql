-- The last journal batch moved into the events table (see store/duckdb/journal.py).
CREATE TABLE IF NOT EXISTS journal_state (applied_seq BIGINT NOT NULL);
INSERT INTO journal_state SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM journal_state);
