"""Notifications: what a person is told, recorded with the act that causes it, sent live on
their user channel (docs/notifications.md)."""
