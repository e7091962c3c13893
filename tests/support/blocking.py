"""The API client and the world builder for synchronous tests (the browser tests,
beside Playwright's synchronous API): the same `Api` and `Builder`, run on an event
loop of their own in a thread, each call waiting for its answer."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any, Concatenate, ParamSpec, TypeVar

import httpx

from tests.support.api import Api, User
from tests.support.world import Builder, Names

P = ParamSpec("P")
T = TypeVar("T")
Owner = TypeVar("Owner")


def _blocking(method: Callable[Concatenate[Owner, P], Coroutine[Any, Any, T]],
              of: Callable[[BlockingApi], Owner]) -> Callable[Concatenate[BlockingApi, P], T]:
    """`method` of the client's `Api` or `Builder` (`of` picks which), waited for."""

    def call(self: BlockingApi, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return self.run(method(of(self), *args, **kwargs))

    call.__name__ = method.__name__
    call.__doc__ = method.__doc__
    return call


class BlockingApi:
    """`Api`'s calls and the `Builder`'s, answered synchronously."""

    def __init__(self, base_url: str, *, names: Names | None = None,
                 timeout: float = 10.0) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="blocking-api",
                                        daemon=True)
        self._thread.start()
        self.timeout = timeout
        # A pooled connection is let go after 2 s idle: uvicorn closes one after 5 s
        # (`timeout_keep_alive`), and a request sent on it just then was answered with
        # a closed connection (httpx.ReadError: a browser test failed so in CI).
        self.http = httpx.AsyncClient(base_url=base_url, timeout=timeout,
                                      limits=httpx.Limits(keepalive_expiry=2.0))
        self.api = Api(self.http)
        self.build = Builder(self.api, names=names)

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run `coro` on the client's loop and wait for what it answers."""
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(self.timeout * 6)

    def close(self) -> None:
        self.run(self.http.aclose())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def call(self, method: str, path: str, user: User | None = None, json: Any = None,
             **kw: Any) -> httpx.Response:
        return self.run(self.api.call(method, path, user, json, **kw))

    def ok(self, method: str, path: str, user: User | None = None, json: Any = None,
           status: int | None = None, **kw: Any) -> Any:
        """`Api.ok`: the call must answer its declared success status (or `status`)."""
        return self.run(self.api.ok(method, path, user, json, status, **kw))

    login = _blocking(Api.login, lambda b: b.api)
    user = _blocking(Api.user, lambda b: b.api)
    org = _blocking(Api.org, lambda b: b.api)
    post = _blocking(Api.post, lambda b: b.api)
    posts = _blocking(Api.posts, lambda b: b.api)
    # Built with this client's names (what the pages show).
    space = _blocking(Builder.space, lambda b: b.build)
    topic = _blocking(Builder.topic, lambda b: b.build)
    world = _blocking(Builder.world, lambda b: b.build)

