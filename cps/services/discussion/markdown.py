"""User markdown to safe HTML, once, when a post is written.

Images are not embedded: `![alt](https://host/a.png)` becomes a link that
shows the alt text and the host. An embedded remote image would be fetched
by every reader's browser, telling the image's host who read the post, from
where and when (moderators included). A link is fetched only by whoever
chooses to follow it. The Content-Security-Policy (`img-src 'self' data:`,
cps/http/middleware.py) refuses remote images in the browser as well, and
`without_images` turns the `<img>` of HTML stored before this into the same
links when a post is shown.

Mentions: `handles_in` reads the `@handle`s of a text as a reader sees them (never
in a code span, a code block or a link's text, never the middle of an email
address); `render(source, mentions=...)` marks those of the given handles (the ones
that exist, cps/services/discussion/mentions.py) as links to the person's page,
`<a class="mention" href="/u/{handle}">`.
"""

from __future__ import annotations

import html as htmlmod
import ipaddress
import re
from collections.abc import Collection, Iterator, Sequence
from urllib.parse import quote, unquote, urlsplit

import nh3
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
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


# --- mentions --------------------------------------------------------------------

# "@" then what may be a handle, not right after a letter, digit or the characters
# of an address or a path ("a@b.c", "x/@y"); trailing ".", "_", "-" are trimmed
# (the full stop that ends a sentence), and what is left must be 3-30 characters
# starting and ending with a letter or digit (cps/services/accounts/handles.py).
_MENTION = re.compile(r"(?<![A-Za-z0-9._%+\-/@])@([A-Za-z0-9][A-Za-z0-9._-]*)")
_HANDLE = re.compile(r"[a-z0-9](?:[a-z0-9._-]{1,28})[a-z0-9]")


def _mentions_of(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, handle) of each mention in plain text, the handle lowercase."""
    for match in _MENTION.finditer(text):
        raw = match[1].rstrip("._-")
        handle = raw.lower()
        if _HANDLE.fullmatch(handle):
            yield match.start(), match.start(1) + len(raw), handle


def _prose(tokens: Sequence[Token]) -> Iterator[tuple[int, Token]]:
    """The text tokens of an inline run that a reader sees as prose: not a link's
    text (links do not nest), never code (code spans are tokens of their own)."""
    depth = 0
    for i, token in enumerate(tokens):
        if token.type == "link_open":
            depth += 1
        elif token.type == "link_close":
            depth -= 1
        elif token.type == "text" and depth == 0:
            yield i, token


def handles_in(source: str) -> list[str]:
    """The handles `source` mentions, each once, in the order they first appear."""
    if "@" not in source:
        return []
    found: dict[str, None] = {}
    for block in _md.parse(source):
        if block.type == "inline" and block.children:
            for _, token in _prose(block.children):
                for _, _, handle in _mentions_of(token.content):
                    found.setdefault(handle)
    return list(found)


def _mark_mentions(state: StateCore) -> None:
    """Core rule: the text of each mention of a handle in `env["mentions"]` becomes a
    `mention` token, rendered as a link to `/u/{handle}` around the text as written."""
    known: Collection[str] = state.env.get("mentions", ())
    if not known:
        return
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children: list[Token] = []
        pending = {i for i, _ in _prose(block.children)}
        for i, token in enumerate(block.children):
            if i not in pending or "@" not in token.content:
                children.append(token)
                continue
            text, at = token.content, 0
            for start, end, handle in _mentions_of(text):
                if handle not in known:
                    continue
                if start > at:
                    children.append(_text(text[at:start], token))
                mention = Token("mention", "", 0)
                mention.content = text[start:end]  # as written: "@Min-ji"
                mention.meta = {"handle": handle}
                children.append(mention)
                at = end
            if at < len(text):
                children.append(_text(text[at:], token))
        block.children = children


def _text(content: str, like: Token) -> Token:
    token = Token("text", "", 0, level=like.level)
    token.content = content
    return token


def _render_mention(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    href = f"/u/{quote(token.meta['handle'], safe='')}"
    return f'<a class="mention" href="{href}">{htmlmod.escape(token.content)}</a>'


_md.core.ruler.push("mentions", _mark_mentions)
_md.add_render_rule("mention", _render_mention)


# What no host may hold, percent-decoded (the URL standard's forbidden domain code
# points): a browser refuses such an address outright ("//[" is no URL), so the link
# would lead nowhere, and a client that parses it may fail on it.
_FORBIDDEN_IN_HOST = re.compile(r"[\x00-\x20#%/:<>?@\[\\\]^|\x7f]")


def followable(href: str) -> bool:
    """Whether a browser can read `href` as an address: its host, if it names one, has
    none of the characters no host may hold (an IPv6 address in brackets aside), and its
    port is a number."""
    try:
        parts = urlsplit(href)
        parts.port  # noqa: B018 (raises ValueError on a port that is no number)
    except ValueError:
        return False
    if not parts.netloc:  # this site's own path, or mailto:; not "//" naming no host
        return not (href.split(":", 1)[1] if parts.scheme else href).startswith("//")
    host = unquote(parts.netloc.rpartition("@")[2])
    if host.startswith("["):
        return parts.hostname is not None and _is_ipv6(parts.hostname)
    host = host.rsplit(":", 1)[0]  # without its port
    return bool(host) and not _FORBIDDEN_IN_HOST.search(host)


def _is_ipv6(text: str) -> bool:
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def _keep(tag: str, attribute: str, value: str) -> str | None:
    """nh3's attribute filter: a link's address only where a browser can follow it (its
    words stay, as text)."""
    if tag == "a" and attribute == "href" and not followable(value):
        return None
    return value


def _clean(html: str) -> str:
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        tag_attribute_values={"a": {"class": {"mention"}}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow ugc noopener",
        strip_comments=True,
        attribute_filter=_keep,
    )


# What a line needs to open no markdown construct: it starts with a letter (no block
# starts with one), does not end with a space (a paragraph drops it), and holds only
# letters, digits, spaces and punctuation that mark nothing without "[", "<", "&",
# "*", "_", "`", "~", "|", "\\", "#", "@" or a line break.
_NOT_PLAIN = re.compile(r"[^\w ,.;:?!'\"()/%+=-]|_")


def plain(source: str) -> bool:
    """Whether `source` is one line that markdown renders as a paragraph of itself and
    sanitising leaves alone: most posts. tests/threads/test_markdown_plain.py checks
    it against the parser and the sanitiser."""
    return (source[:1].isalpha() and source[-1] != " "
            and _NOT_PLAIN.search(source) is None)


def render(source: str, mentions: Collection[str] = ()) -> str:
    """Render markdown to HTML with no script, no event handlers, no
    `javascript:`/`data:` URLs and no embedded images; every link gets
    rel="nofollow ugc noopener". Mentions of the handles in `mentions` link to the
    person's page (`<a class="mention" href="/u/handle">@Handle</a>`). A plain line
    (`plain`) skips the parser and the sanitiser: its HTML is the paragraph around it."""
    if plain(source):
        return f"<p>{source}</p>\n"
    return _clean(_md.render(source, {"mentions": frozenset(mentions)}))


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
