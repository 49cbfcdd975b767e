"""Ingest: from a request of any dialect to an enriched, stored event."""
