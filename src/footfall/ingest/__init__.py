"""Ingest: payloads of every dialect -> IngestRequest -> pipeline -> write buffer."""
