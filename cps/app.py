"""The ASGI application: routes, middleware, and the lifespan that owns state."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from cps.bundled import folder
from cps.config import Settings
from cps.http import api, health, unsubscribe
from cps.http.errors import HANDLERS
from cps.http.middleware import BodyLimit, SecurityHeaders
from cps.http.openapi import served
from cps.http.pages import Shell
from cps.http.routes import all_endpoints
from cps.live.route import LiveRoute
from cps.live.service import LiveService
from cps.services.accounts.passwords import Passwords
from cps.services.consensus import recompute
from cps.services.context import Context
from cps.services.languages import detection
from cps.services.mail.sender import Sender
from cps.services.notifications import digests, emails
from cps.storage.counters import RedisThrottle
from cps.storage.database import Database
from cps.storage.throttle import LocalThrottle, Throttle

log = logging.getLogger("cps.app")

WEB_DIR = folder("web")
PAGES = [
    "/", "/orgs/{id:int}", "/spaces/{id:int}", "/topics/{id:int}", "/login", "/signup",
    "/moderation", "/admin", "/profile", "/responsiveness", "/search",
    "/reset-password", "/verify-email", "/unsubscribe", "/notifications", "/plans",
    "/u/{handle}",  # a person, as a mention links to them
]


def create_app(settings: Settings) -> Starlette:
    endpoints = all_endpoints()
    shell = Shell(WEB_DIR / "index.html")
    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[dict[str, Any]]:
        db = Database(settings.database_url)
        live = LiveService(settings, db)
        # With Redis, every process counts sign-in attempts and posts in one place.
        shared = (
            RedisThrottle(settings.redis_url, settings.secret_key) if settings.redis_url else None
        )
        throttle: Throttle = shared or LocalThrottle()
        ctx = Context(
            settings=settings,
            db=db,
            passwords=Passwords(settings.passwords, settings.hashing_concurrency),
            throttle=throttle,
            events=live.sink,
        )
        await live.start(ctx)
        # Email: the outbox's sender, and the jobs that queue notification mail.
        mailer = Sender(ctx, jobs=(emails.queue_immediate, digests.queue_digests),
                        vets={"notification": emails.vet, "digest": digests.vet})
        await mailer.start()
        # The language detector's model loads beside the server, not in a first post.
        warming = asyncio.get_running_loop().run_in_executor(None, detection.warm)
        log.info("cps started", extra={"database": db.engine.dialect.name,
                                       "broker": "redis" if settings.redis_url else "memory"})
        try:
            yield {"ctx": ctx, "live": live, "mailer": mailer}
        finally:
            await warming
            await mailer.stop()
            await recompute.stop(ctx)
            await live.stop()
            if shared is not None:
                await shared.close()
            await db.dispose()
            log.info("cps stopped")

    # One route per path, so a method the path lacks is 405 naming all it has.
    api_routes: list[BaseRoute] = [*api.routes(endpoints)]
    api_routes.append(Route("/openapi.json", served(endpoints), methods=["GET"]))
    routes: list[BaseRoute] = [
        Mount("/api/v1", routes=api_routes),
        *health.routes(),
        *unsubscribe.routes(),
        Mount("/static", app=StaticFiles(directory=WEB_DIR / "static"), name="static"),
        *[Route(path, shell.page, methods=["GET"]) for path in PAGES],
    ]
    # X-Forwarded-For and X-Forwarded-Proto are believed only from the proxies
    # CPS_TRUSTED_PROXIES names: the client address then counts sign-in failures
    # and sockets, and the scheme decides HSTS and secure cookies.
    proxies = (
        [Middleware(ProxyHeadersMiddleware,
                    trusted_hosts=[str(n) for n in settings.trusted_proxies])]
        if settings.trusted_proxies else []
    )
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers=HANDLERS,
        middleware=[
            *proxies,
            Middleware(LiveRoute),  # /ws first: cps/live/route.py says why
            Middleware(SecurityHeaders),
            Middleware(BodyLimit, limit=settings.max_body_bytes),
        ],
    )
