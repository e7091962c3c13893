"""Domain errors raised by services; the edge maps each to the contract's envelope."""

from __future__ import annotations

from collections.abc import Mapping


class DomainError(Exception):
    code = "error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class NotSignedIn(DomainError):
    code = "not_signed_in"


class Forbidden(DomainError):
    code = "forbidden"


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    code = "conflict"


class Invalid(DomainError):
    """Fields that are well-formed JSON but not acceptable."""

    code = "invalid"

    def __init__(
        self, fields: Mapping[str, str], message: str = "Some fields are invalid."
    ) -> None:
        super().__init__(message)
        self.fields = dict(fields)


class TierRequired(DomainError):
    code = "tier_required"

    def __init__(self, message: str, required_tier: str) -> None:
        super().__init__(message)
        self.required_tier = required_tier


class QuotaExceeded(DomainError):
    code = "quota_exceeded"

    def __init__(
        self, message: str, *, quota: str, limit: int, usage: int, required_tier: str | None
    ) -> None:
        super().__init__(message)
        self.quota = quota
        self.limit = limit
        self.usage = usage
        self.required_tier = required_tier


class RateLimited(DomainError):
    code = "rate_limited"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)


class Unavailable(DomainError):
    """A backing service (the database) does not answer."""

    code = "unavailable"
