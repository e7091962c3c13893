"""The email tests' fixtures (tests/mail/conftest.py): a real SMTP server."""

from tests.mail.conftest import inbox, mailer, settings  # noqa: F401 (fixtures)
