"""The `cps` command: serve, db upgrade, create-admin, demo, export."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence

from sqlalchemy.exc import SQLAlchemyError

from cps import logs
from cps.config import ConfigError, Settings, load_settings

log = logging.getLogger("cps.cli")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cps", description="CPS, the Civic Participation System")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="migrate the database if needed, then serve")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--grace", type=float, default=10.0,
                       help="seconds to drain requests and sockets on SIGTERM")
    db = sub.add_parser("db", help="database commands")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="run the Alembic migrations")
    admin = sub.add_parser("create-admin", help="create (or promote) a platform admin")
    admin.add_argument("--email", required=True)
    admin.add_argument("--password", required=True)
    demo = sub.add_parser("demo", help="fill an empty database with sample member cities")
    demo.add_argument("--force", action="store_true",
                      help="add the sample data even if the database is not empty")
    demo.add_argument("--cities", type=int, default=12, help="how many member cities")
    export = sub.add_parser(
        "export", help="write every topic and post of a space to a file (platform staff: "
        "no access or tier check)")
    export.add_argument("--space", type=int, required=True, help="the space's id")
    export.add_argument("--format", choices=("json", "csv"), default="json")
    export.add_argument("--output", required=True, help="the file to write")
    return parser


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from cps.asgi import GRACE_VARIABLE
    from cps.live.transport import uvicorn_options
    from cps.storage.migrations import upgrade

    if args.workers < 1:
        print("cps serve: --workers must be at least 1", file=sys.stderr)
        return 2
    if args.workers > 1:
        missing = []
        if not settings.redis_url:
            missing.append("CPS_REDIS_URL (Redis carries live events between workers)")
        if settings.is_sqlite:
            missing.append("CPS_DATABASE_URL=postgresql://... (workers share one server database)")
        if missing:
            print(f"cps serve --workers {args.workers} needs " + " and ".join(missing),
                  file=sys.stderr)
            return 2
    asyncio.run(upgrade(settings.database_url))
    asyncio.run(_say_how_to_begin(settings, f"http://{args.host}:{args.port}/"))
    # The workers read the grace here: they drain their WebSockets with it (cps.asgi).
    os.environ[GRACE_VARIABLE] = str(args.grace)
    log.info("serving", extra={"host": args.host, "port": args.port, "workers": args.workers})
    uvicorn.run(
        "cps.asgi:make_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_config=None,
        # Forwarded headers are read by the app itself, from CPS_TRUSTED_PROXIES only.
        proxy_headers=False,
        timeout_graceful_shutdown=args.grace,
        **uvicorn_options(settings),
    )
    return 0


async def _say_how_to_begin(settings: Settings, url: str) -> None:
    """On an instance with no organization yet, one log line says how to begin."""
    from cps.services.orgs.beginning import beginning, how_to_begin
    from cps.storage.database import Database

    db = Database(settings.database_url)
    try:
        text = how_to_begin(await beginning(db), url)
    finally:
        await db.dispose()
    if text is not None:
        log.info(text, extra={"how_to_begin": True})


async def _create_admin(settings: Settings, email: str, password: str) -> int:
    from cps.services.accounts import identity
    from cps.services.accounts.passwords import Passwords
    from cps.services.context import Context
    from cps.storage.database import Database
    from cps.storage.migrations import upgrade
    from cps.storage.throttle import LocalThrottle

    class _NoLive:
        async def publish(self, event: object) -> None:
            return None

    from cps.services.accounts import password_rules
    from cps.services.errors import Invalid

    try:
        # Before anything is made: a refused password leaves no database behind.
        password_rules.check_password(password, email=email, display_name="")
    except Invalid as exc:
        print(f"cps create-admin: {exc.fields['password']}", file=sys.stderr)
        return 2
    await upgrade(settings.database_url)
    db = Database(settings.database_url)
    ctx = Context(settings, db, Passwords(settings.passwords, 1), LocalThrottle(), _NoLive())
    try:
        user, created = await identity.create_admin(ctx, email=email, password=password)
    except Invalid as exc:
        # The same password rules as sign-up (docs/security.md).
        print(f"cps create-admin: {exc.fields.get('password', exc.message)}", file=sys.stderr)
        return 2
    finally:
        await db.dispose()
    print(f"{'created' if created else 'promoted'} platform admin {user.email} (id {user.id})")
    return 0


async def _export(settings: Settings, space_id: int, fmt: str, output: str) -> int:
    """Stream a space's export into `output` (written beside it, then moved into place,
    so a failed export leaves no partial file), with progress on stderr."""
    from pathlib import Path

    from cps.services.errors import NotFound
    from cps.services.reports import exports
    from cps.storage.database import Database

    db = Database(settings.database_url)
    target = Path(output)
    partial = target.with_name(f".{target.name}.partial")
    try:
        try:
            export = await exports.open_operator_export(db, space_id, exports.parse_format(fmt))
        except NotFound:
            print(f"cps export: there is no space {space_id}", file=sys.stderr)
            return 1
        total = export.total_posts

        def progress(written: int) -> None:
            end = "\r" if sys.stderr.isatty() and written < total else "\n"
            print(f"cps export: {written} / {total} posts", end=end, file=sys.stderr, flush=True)

        try:
            with partial.open("w", encoding="utf-8", newline="") as out:
                async for chunk in export.chunks(progress):
                    out.write(chunk)
            partial.replace(target)
        finally:
            partial.unlink(missing_ok=True)
    finally:
        await db.dispose()
    print(f"wrote space {space_id} ({export.space.name}): {total} posts to {target}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logs.configure()
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"cps: invalid configuration: {exc}", file=sys.stderr)
        return 2
    if args.command == "serve":
        return _serve(settings, args)
    try:
        return _database_command(settings, args)
    except (OSError, SQLAlchemyError) as exc:
        print(f"cps {args.command}: the database does not answer ({type(exc).__name__}: {exc})",
              file=sys.stderr)
        return 1


def _database_command(settings: Settings, args: argparse.Namespace) -> int:
    if args.command == "db":
        from cps.storage.migrations import upgrade

        asyncio.run(upgrade(settings.database_url))
        print("database is at the latest revision")
        return 0
    if args.command == "create-admin":
        return asyncio.run(_create_admin(settings, args.email, args.password))
    if args.command == "demo":
        from cps.demo import run_demo

        return asyncio.run(run_demo(settings, force=args.force, cities=args.cities))
    if args.command == "export":
        return asyncio.run(_export(settings, args.space, args.format, args.output))
    return 2


if __name__ == "__main__":
    sys.exit(main())
