"""User markdown to safe HTML, once, when a post is written.

Images are not embedded: `![alt](https://host/a.png)` becomes a link that
shows the alt text and the host. An embedded remote image would be fetched
by every reader's browser, telling the image's host who read the post, from
where and when (moderators included). A link is fetched only by whoever
chooses to follow it. The Content-Security-Policy (`img-src 'self' data:`,
cps/http/middleware.py) refuses remote images in the browser as well, and
`without_images` turns the `<img>` of HTML stored before this into the same
links when a post is shown.
"""

from __future__ import annotations

import html as htmlmod
import re
from collections.abc import Sequence
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)

_TAGS = {
    "p", "br", "hr", "em", "strong", "del", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td",
}
_ATTRIBUTES = {
    "a": {"href", "title"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
}


def _image_label(src: str, alt: str) -> str:
    """The text that stands for an image: its alt text and where it is."""
    try:
        host = urlsplit(src.strip()).hostname
    except ValueError:
        host = None
    where = f"image on {host}" if host else "image"
    return f"{alt} ({where})" if alt.strip() else where.capitalize()


def _image_as_link(src: str, alt: str, title: str | None, *, in_link: bool) -> str:
    """HTML (to be sanitised) for an image shown as a link to it. Inside a link
    (`[![alt](img)](page)`) only the text: links do not nest."""
    label = htmlmod.escape(_image_label(src, alt), quote=False)
    if in_link:
        return label
    title_attr = f' title="{htmlmod.escape(title)}"' if title else ""
    return f'<a href="{htmlmod.escape(src)}"{title_attr}>{label}</a>'


def _render_image(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    alt = self.renderInlineAsText(token.children, options, env) if token.children else ""
    depth = 0
    for before in tokens[:idx]:
        if before.type == "link_open":
            depth += 1
        elif before.type == "link_close":
            depth -= 1
    title = token.attrGet("title")
    return _image_as_link(
        str(token.attrGet("src") or ""), alt, str(title) if title else None, in_link=depth > 0
    )


_md.add_render_rule("image", _render_image)


def _clean(html: str) -> str:
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow ugc noopener",
        strip_comments=True,
    )


def render(source: str) -> str:
    """Render markdown to HTML with no script, no event handlers, no
    `javascript:`/`data:` URLs and no embedded images; every link gets
    rel="nofollow ugc noopener"."""
    return _clean(_md.render(source))


# Stored HTML is nh3's output: every attribute value is double-quoted and escaped.
_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r'([a-zA-Z-]+)="([^"]*)"')


_A_OPEN = re.compile(r"<a\b", re.IGNORECASE)
_A_CLOSE = re.compile(r"</a\s*>", re.IGNORECASE)


def _img_to_link(html: str, match: re.Match[str]) -> str:
    attrs = {name.lower(): htmlmod.unescape(value) for name, value in _ATTR.findall(match[0])}
    before = html[: match.start()]
    in_link = len(_A_OPEN.findall(before)) > len(_A_CLOSE.findall(before))
    return _image_as_link(attrs.get("src", ""), attrs.get("alt", ""), attrs.get("title"),
                          in_link=in_link)


def without_images(html: str) -> str:
    """HTML rendered before images became links, as `render` would make it now.

    Posts written earlier keep `<img src="https://...">` in the database; this
    runs on every post shown, so it costs a substring test when there is none."""
    if "<img" not in html and "<IMG" not in html:
        return html
    return _clean(_IMG.sub(lambda match: _img_to_link(html, match), html))
