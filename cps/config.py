"""Configuration from environment variables (and a `.env` file).

Every variable is checked at start-up; an invalid one raises `ConfigError`
with one line naming the variable, which the CLI prints before exiting.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import unquote, urlsplit

from dotenv import dotenv_values

DEFAULT_DB_FILE = "cps.db"
SECRET_FILE = ".cps-secret"  # noqa: S105 - a file name, not a secret


@dataclass(frozen=True)
class SmtpServer:
    """Where email goes (CPS_SMTP_URL). The password is never shown by `repr`, so no
    log line or traceback that prints the settings carries it."""

    host: str
    port: int
    # "plain" (smtp://), "starttls" (smtp+starttls://) or "tls" (smtps://).
    security: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)


class ConfigError(Exception):
    """An environment variable holds a value CPS cannot use."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable


@dataclass(frozen=True)
class PasswordProfile:
    """argon2id cost parameters."""

    time_cost: int
    memory_cost_kib: int
    parallelism: int


# OWASP's minimum is m=19 MiB, t=2, p=1; we use argon2-cffi's RFC 9106 "low memory"
# profile, which is above it on every axis.
PRODUCTION_PASSWORDS = PasswordProfile(time_cost=3, memory_cost_kib=65536, parallelism=4)
# Only for the test suite: selected with CPS_PASSWORD_PROFILE=test.
TEST_PASSWORDS = PasswordProfile(time_cost=1, memory_cost_kib=1024, parallelism=1)


@dataclass(frozen=True)
class Settings:
    database_url: str
    redis_url: str | None
    secret_key: str
    allowed_origins: tuple[str, ...]
    rate_limits: bool
    passwords: PasswordProfile = PRODUCTION_PASSWORDS
    event_retention_days: int = 30
    max_body_bytes: int = 1024 * 1024
    ws_max_frame_bytes: int = 64 * 1024
    ws_send_queue_bytes: int = 1024 * 1024
    ws_heartbeat_seconds: float = 20.0
    # How often a process announces who it holds in each topic; a process that
    # has not been heard for three of these drops out of everyone's presence.
    presence_heartbeat_seconds: float = 10.0
    # Sign-in failures are counted per (account, client address) and per address
    # (docs/security.md): these many per window lock that pair or that address,
    # for a window that grows with repeated lock-outs.
    login_attempts_per_window: int = 5
    login_window_seconds: int = 300
    login_attempts_per_address: int = 30
    # Sign-ups per client address per hour and for the whole server per minute
    # (lifted by CPS_RATE_LIMITS=off, as posting limits are).
    signups_per_address: int = 10
    signups_per_minute: int = 60
    # Server-side session lifetimes: idle (unused) and absolute, in seconds.
    session_idle_seconds: int = 14 * 24 * 3600
    session_max_seconds: int = 30 * 24 * 3600
    # Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (none by default).
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    # /metrics answers loopback callers, and others that present this bearer token.
    metrics_token: str | None = None
    # Open WebSocket connections one client address may hold at once.
    ws_connections_per_address: int = 50
    # Posting limits for every participant (lifted by CPS_RATE_LIMITS=off).
    posts_per_minute: int = 30
    topics_per_hour: int = 20
    hashing_concurrency: int = 2
    # Email (docs/email.md): none is sent without an SMTP server; links point to
    # `public_url` (CPS_PUBLIC_URL, else the first allowed origin, else localhost).
    smtp: SmtpServer | None = None
    mail_from: str = "CPS <no-reply@localhost>"
    public_url: str = "http://localhost:8000"
    # How often the sender looks for due mail, and how many emails a person may get a day.
    mail_poll_seconds: float = 5.0
    mail_daily_cap: int = 50
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _bool(variable: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"on", "true", "1", "yes"}:
        return True
    if value in {"off", "false", "0", "no"}:
        return False
    raise ConfigError(variable, f"expected on or off, got {raw!r}")


def _positive_int(variable: str, raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(variable, f"expected a whole number, got {raw!r}") from None
    if value <= 0:
        raise ConfigError(variable, f"expected a positive number, got {raw!r}")
    return value


def _seconds(variable: str, raw: str, *, low: float) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(variable, f"expected a number of seconds, got {raw!r}") from None
    if not low <= value < float("inf"):
        raise ConfigError(variable, f"expected at least {low:g} seconds, got {raw!r}")
    return value


def _networks(
    variable: str, raw: str | None
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    if not raw:
        return ()
    networks = []
    for item in raw.split(","):
        try:
            networks.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError:
            raise ConfigError(
                variable, f"{item.strip()!r} is not an address or network like 10.0.0.0/8"
            ) from None
    return tuple(networks)


def _days(variable: str, raw: str) -> int:
    return _positive_int(variable, raw) * 24 * 3600


def _database_url(raw: str | None, workdir: Path) -> str:
    if not raw:
        return f"sqlite+aiosqlite:///{(workdir / DEFAULT_DB_FILE).resolve()}"
    scheme = raw.split(":", 1)[0]
    if scheme in {"sqlite", "sqlite+aiosqlite"}:
        return "sqlite+aiosqlite:" + raw.split(":", 1)[1]
    if scheme in {"postgres", "postgresql", "postgresql+asyncpg"}:
        return "postgresql+asyncpg:" + raw.split(":", 1)[1]
    raise ConfigError(
        "CPS_DATABASE_URL", f"unsupported scheme {scheme!r}; use sqlite:/// or postgresql://"
    )


def _redis_url(raw: str | None) -> str | None:
    if not raw:
        return None
    if urlsplit(raw).scheme not in {"redis", "rediss", "unix"}:
        raise ConfigError("CPS_REDIS_URL", "expected a redis://, rediss:// or unix:// URL")
    return raw


def _origins(raw: str | None) -> tuple[str, ...]:
    if not raw:
        return ()
    origins = []
    for item in raw.split(","):
        origin = item.strip().rstrip("/")
        parts = urlsplit(origin)
        if parts.scheme not in {"http", "https"} or not parts.netloc or parts.path:
            raise ConfigError(
                "CPS_ALLOWED_ORIGINS", f"{item.strip()!r} is not an origin like https://example.org"
            )
        origins.append(origin)
    return tuple(origins)


SMTP_SCHEMES = {"smtp": ("plain", 25), "smtp+starttls": ("starttls", 587), "smtps": ("tls", 465)}


def _smtp(raw: str | None) -> SmtpServer | None:
    """smtp://[user:password@]host[:port], smtp+starttls://... or smtps://...; an error
    names the variable and never repeats the URL (it may hold a password)."""
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in SMTP_SCHEMES:
        raise ConfigError("CPS_SMTP_URL", "expected smtp://, smtp+starttls:// or smtps://")
    security, default_port = SMTP_SCHEMES[parts.scheme]
    try:
        port = parts.port or default_port
    except ValueError:
        raise ConfigError("CPS_SMTP_URL", "the port is not a number from 1 to 65535") from None
    if not parts.hostname:
        raise ConfigError("CPS_SMTP_URL", "names no host")
    return SmtpServer(
        host=parts.hostname, port=port, security=security,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def _mail_from(raw: str | None) -> str:
    if not raw:
        return "CPS <no-reply@localhost>"
    _, address = parseaddr(raw)
    if "@" not in address or any(c in raw for c in "\r\n"):
        raise ConfigError("CPS_MAIL_FROM", f"{raw!r} is not an address like CPS <cps@example.org>")
    return raw


def _public_url(raw: str | None, origins: tuple[str, ...]) -> str:
    if not raw:
        return origins[0] if origins else "http://localhost:8000"
    url = raw.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ConfigError("CPS_PUBLIC_URL", f"{raw!r} is not a URL like https://cps.example.org")
    return url


def _secret_key(raw: str | None, database_url: str) -> str:
    if raw:
        if len(raw) < 16:
            raise ConfigError("CPS_SECRET_KEY", "must be at least 16 characters")
        return raw
    # Default: generated once and kept beside the SQLite file (or in the working dir).
    if database_url.startswith("sqlite") and ":///" in database_url:
        db_path = database_url.split(":///", 1)[1]
        folder = Path(db_path).parent if db_path and db_path != ":memory:" else Path.cwd()
    else:
        folder = Path.cwd()
    path = folder / SECRET_FILE
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def load_settings(
    environ: Mapping[str, str] | None = None, workdir: Path | None = None
) -> Settings:
    """Read settings from `environ` (default: `.env` then the process environment)."""
    workdir = workdir or Path.cwd()
    if environ is None:
        env: dict[str, str] = {
            k: v for k, v in dotenv_values(workdir / ".env").items() if v is not None
        }
        env.update(os.environ)
    else:
        env = dict(environ)
    database_url = _database_url(env.get("CPS_DATABASE_URL"), workdir)
    profile_name = env.get("CPS_PASSWORD_PROFILE", "production")
    if profile_name not in {"production", "test"}:
        raise ConfigError("CPS_PASSWORD_PROFILE", "expected production or test")
    retention = _positive_int(
        "CPS_EVENT_RETENTION_DAYS", env.get("CPS_EVENT_RETENTION_DAYS", "30")
    )
    allowed_origins = _origins(env.get("CPS_ALLOWED_ORIGINS"))
    send_queue = _positive_int(
        "CPS_WS_SEND_QUEUE_BYTES", env.get("CPS_WS_SEND_QUEUE_BYTES", str(1024 * 1024))
    )
    return Settings(
        database_url=database_url,
        redis_url=_redis_url(env.get("CPS_REDIS_URL")),
        secret_key=_secret_key(env.get("CPS_SECRET_KEY"), database_url),
        allowed_origins=allowed_origins,
        rate_limits=_bool("CPS_RATE_LIMITS", env.get("CPS_RATE_LIMITS", "on")),
        passwords=TEST_PASSWORDS if profile_name == "test" else PRODUCTION_PASSWORDS,
        event_retention_days=retention,
        ws_send_queue_bytes=send_queue,
        posts_per_minute=_positive_int(
            "CPS_POSTS_PER_MINUTE", env.get("CPS_POSTS_PER_MINUTE", "30")
        ),
        topics_per_hour=_positive_int("CPS_TOPICS_PER_HOUR", env.get("CPS_TOPICS_PER_HOUR", "20")),
        # Each heartbeat is a message per topic per process: not more than two a second.
        login_attempts_per_address=_positive_int(
            "CPS_LOGIN_ATTEMPTS_PER_ADDRESS", env.get("CPS_LOGIN_ATTEMPTS_PER_ADDRESS", "30")
        ),
        signups_per_address=_positive_int(
            "CPS_SIGNUPS_PER_ADDRESS", env.get("CPS_SIGNUPS_PER_ADDRESS", "10")
        ),
        signups_per_minute=_positive_int(
            "CPS_SIGNUPS_PER_MINUTE", env.get("CPS_SIGNUPS_PER_MINUTE", "60")
        ),
        session_idle_seconds=_days("CPS_SESSION_IDLE_DAYS", env.get("CPS_SESSION_IDLE_DAYS", "14")),
        session_max_seconds=_days("CPS_SESSION_MAX_DAYS", env.get("CPS_SESSION_MAX_DAYS", "30")),
        trusted_proxies=_networks("CPS_TRUSTED_PROXIES", env.get("CPS_TRUSTED_PROXIES")),
        metrics_token=env.get("CPS_METRICS_TOKEN") or None,
        ws_connections_per_address=_positive_int(
            "CPS_WS_CONNECTIONS_PER_ADDRESS", env.get("CPS_WS_CONNECTIONS_PER_ADDRESS", "50")
        ),
        presence_heartbeat_seconds=_seconds(
            "CPS_PRESENCE_HEARTBEAT_SECONDS", env.get("CPS_PRESENCE_HEARTBEAT_SECONDS", "10"),
            low=0.5,
        ),
        smtp=_smtp(env.get("CPS_SMTP_URL")),
        mail_from=_mail_from(env.get("CPS_MAIL_FROM")),
        public_url=_public_url(env.get("CPS_PUBLIC_URL"), allowed_origins),
        mail_poll_seconds=_seconds(
            "CPS_MAIL_POLL_SECONDS", env.get("CPS_MAIL_POLL_SECONDS", "5"), low=0.05
        ),
        mail_daily_cap=_positive_int(
            "CPS_MAIL_DAILY_CAP", env.get("CPS_MAIL_DAILY_CAP", "50")
        ),
    )
