"""Moderation: flags, hiding and review, appeals, sanctions, space settings,
the audit log and the queue."""
