"""Stats: a StatsQuery (Plausible v2 vocabulary) validated at the edge, planned into SQL
over events and their visits, executed by the store, shaped as Plausible answers."""
