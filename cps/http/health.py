"""/healthz, /readyz and /metrics."""

from __future__ import annotations

import asyncio
import logging

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

log = logging.getLogger("cps.health")


async def healthz(_: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """200 only while the database (and Redis, when configured) answer."""
    ctx = request.state.ctx
    live = request.state.live
    checks: dict[str, str] = {}
    try:
        async with asyncio.timeout(1.0):  # a frozen server must not hang the probe
            await ctx.db.ping()
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = "down"
        log.warning("readiness: database down", extra={"error": type(exc).__name__})
    if ctx.settings.redis_url:
        checks["redis"] = "ok" if await live.broker_ready() else "down"
    down = [name for name, state in checks.items() if state != "ok"]
    if down:
        return JSONResponse(
            {
                "status": "unavailable",
                "checks": checks,
                "error": {"code": "unavailable", "message": f"Down: {', '.join(down)}."},
            },
            status_code=503,
        )
    return JSONResponse({"status": "ok", "checks": checks})


async def metrics(_: Request) -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def routes() -> list[Route]:
    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
    ]
