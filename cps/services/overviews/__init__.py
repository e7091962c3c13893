"""Overviews: what an organization's, space's or topic's page needs at load, in one
answer built from the domains below (each keeps its own rules on who sees what)."""
