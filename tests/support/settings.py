"""The one way to configure CPS for a test: as environment variables (for a `cps serve`
subprocess) or as `Settings` (for an app in the test's own process)."""

from __future__ import annotations

from cps.config import Settings, load_settings

SECRET_KEY = "test-secret-key-0123456789"

# An override for an app the test reaches over a real socket, as a server's clients
# reach it through a proxy: the test is that trusted proxy, so an `X-Forwarded-For`
# from loopback gives a request a client address of its own (sign-in failures and
# sockets are counted per address).
BEHIND_PROXY = {"CPS_TRUSTED_PROXIES": "127.0.0.1"}
# An override for the tests of what the production password cost does.
PRODUCTION_PASSWORDS = {"CPS_PASSWORD_PROFILE": "production"}


def settings_env(database_url: str, redis_url: str | None = None,
                 **overrides: str) -> dict[str, str]:
    """The variables every test app runs with, `overrides` last: the fast password
    profile, and no rate limits (tests write many posts quickly; the rate-limit tests
    turn them on)."""
    return {
        "CPS_DATABASE_URL": database_url,
        "CPS_SECRET_KEY": SECRET_KEY,
        "CPS_PASSWORD_PROFILE": "test",
        "CPS_RATE_LIMITS": "off",
        **({"CPS_REDIS_URL": redis_url} if redis_url else {}),
        **overrides,
    }


def make_settings(database_url: str, redis_url: str | None = None,
                  **overrides: str) -> Settings:
    """`settings_env`, read as `cps serve` reads its environment."""
    return load_settings(settings_env(database_url, redis_url, **overrides))
