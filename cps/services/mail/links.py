"""Links in emails: the public origin (CPS_PUBLIC_URL) and a page of the web front end."""

from __future__ import annotations

from urllib.parse import urlencode

from cps.services.context import Context


def page(ctx: Context, path: str, *, fragment: dict[str, str] | None = None,
         query: dict[str, str] | None = None) -> str:
    """`path` on the public origin. Secrets go in the `fragment`, which browsers never
    send to a server (no access log, no Referer), unless the server must read them."""
    url = ctx.settings.public_url + path
    if query:
        url += "?" + urlencode(query)
    if fragment:
        url += "#" + urlencode(fragment)
    return url
