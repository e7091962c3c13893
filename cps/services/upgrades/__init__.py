"""Upgrades: organizations ask for a higher tier, platform admins decide, and
every tier change is kept in its history."""
