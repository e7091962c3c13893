"""/healthz, /readyz and /metrics."""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import logging

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from cps.edge.credentials import bearer
from cps.http.errors import error_response

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


# Headers a proxy adds. From a loopback address that is not a trusted proxy they
# mean the request came through a proxy on this machine (or claims to): its
# caller is somewhere else, so the request is not a local one.
_FORWARDING = ("forwarded", "x-forwarded-for", "x-real-ip")


def _is_local(request: Request) -> bool:
    """A caller on this machine: a loopback client address that no proxy stands in for.

    The address is the socket's, or, from a proxy in CPS_TRUSTED_PROXIES, the one
    it forwarded (cps/app.py), so a forged X-Forwarded-For changes neither. A
    request from loopback that carries forwarding headers came through a proxy
    on this machine, for a caller anywhere: not local, unless that proxy is
    trusted (then the address is its caller's)."""
    client = request.client
    if client is None:
        return False
    try:
        address = ipaddress.ip_address(client.host)
    except ValueError:
        return False
    if not address.is_loopback:
        return False
    if not any(name in request.headers for name in _FORWARDING):
        return True
    if "x-forwarded-for" not in request.headers:
        # A proxy named its caller some other way (Forwarded, X-Real-IP), which is
        # not read: the address is the proxy's own, the caller unknown.
        return False
    # Forwarded, and the address is still a loopback one: local only if a trusted
    # proxy on this machine forwarded a caller on this machine.
    return any(address in network for network in request.state.ctx.settings.trusted_proxies)


def _has_token(request: Request) -> bool:
    expected = request.state.ctx.settings.metrics_token
    if not expected:
        return False
    presented = bearer(request.headers) or ""
    return hmac.compare_digest(presented.encode(), expected.encode())


async def metrics(request: Request) -> Response:
    """Prometheus text, for callers on this machine and those with CPS_METRICS_TOKEN.

    The figures say how busy the server is and how it is built: not for anyone."""
    if not (_is_local(request) or _has_token(request)):
        return error_response(
            403, "forbidden",
            "Metrics are served to this machine, or with the metrics token "
            "(Authorization: Bearer, CPS_METRICS_TOKEN).",
        )
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def routes() -> list[Route]:
    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
    ]
