"""Responsiveness: how many questions an organization was asked, how many it
acknowledged and answered, how fast, and within its target, for a space, an
organization or the whole network ranked (docs/accountability.md,
Responsiveness). Public and free on every tier: accountability is not a paid extra."""
