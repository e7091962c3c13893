"""Accounts: sign-up, sign-in and sessions, passwords and their rules, display names."""
