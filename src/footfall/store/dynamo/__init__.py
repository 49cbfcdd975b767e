"""Pieces of the DynamoDB backend (store/dynamodb.py): the table and its calls
(table.py), attribute values (attrs.py), event items and their day partitions
(events.py), and the read side that answers stats on an in-process DuckDB (engine.py).
The single-table design is drawn in docs/backends.md, "DynamoDB"."""
