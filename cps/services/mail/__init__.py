"""Email: a durable outbox, delivered by a background sender over SMTP (docs/email.md)."""
