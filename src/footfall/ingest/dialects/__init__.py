"""Payload dialects: each turns one client format into IngestRequests."""
