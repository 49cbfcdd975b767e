"""Storage backends behind four small protocols (base.py), picked by URL (registry.py)."""
