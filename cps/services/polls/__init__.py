"""Polls inside topics: create, vote, withdraw, close."""
