"""Analytics history brought over from another tool: its aggregates, kept per site in
imported tables beside the native events (docs/transfer.md, "Imports")."""
