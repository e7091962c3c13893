"""Tiers: what each plan allows (plans), and how an organization moves between them (upgrades)."""
