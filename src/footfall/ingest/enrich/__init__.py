"""Pure enrichment steps: bots, referrer, UTM and channel, user agent, geo."""
