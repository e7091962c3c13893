"""The application factory uvicorn imports (`cps.asgi:make_app`)."""

from __future__ import annotations

from starlette.applications import Starlette

from cps import logs
from cps.app import create_app
from cps.config import load_settings


def make_app() -> Starlette:
    logs.configure()
    return create_app(load_settings())
