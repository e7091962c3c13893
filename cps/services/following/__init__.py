"""Following: each person's level (watching, tracking, normal, muted) per topic and per space
(docs/notifications.md)."""
