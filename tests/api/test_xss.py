"""Markdown is rendered to HTML that cannot run script, whatever the author writes."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from cps.services.discussion.markdown import followable, render
from tests.support.api import Api

pytestmark = pytest.mark.anyio

PAYLOADS = [
    # script tags
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<script\x20type=\"text/javascript\">alert(1);</script>",
    "<<script>alert(1)//<</script>",
    "</textarea><script>alert(1)</script>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
    # event handlers
    "<img src=x onerror=alert(1)>",
    "<img src=x onerror=\"alert(1)\" />",
    "<body onload=alert(1)>",
    "<div onmouseover=\"alert(1)\">hover</div>",
    "<a href=\"https://ok.example\" onclick=\"alert(1)\">x</a>",
    "<input autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=\"alert(1)\"></video>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<marquee onstart=alert(1)>",
    "<img src=\"x\" ONERROR=alert(1)>",
    "<img/src/onerror=alert(1)>",
    # javascript:, data:, vbscript: URLs in links and images
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click]( javascript:alert(1))",
    "[click](<javascript:alert(1)>)",
    "[click](javascript&#58;alert(1))",
    "[click](jav&#x09;ascript:alert(1))",
    "[click](jav&#x0A;ascript:alert(1))",
    "[click](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1))",
    "[click](&#x6A;avascript:alert(1))",
    "[click](java\nscript:alert(1))",
    "[click](javascript://%0Aalert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](VBScript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](data:text/html,<script>alert(1)</script>)",
    "![img](javascript:alert(1))",
    "![img](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![img](data:image/png;base64,iVBORw0KGgo=)",
    "![img](vbscript:msgbox(1))",
    "![x\" onerror=\"alert(1)](https://ok.example/a.png)",
    "[x](https://ok.example \"title\\\" onmouseover=\\\"alert(1)\")",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
    "<a href=\"  javascript:alert(1)\">x</a>",
    "<a href=\"data:text/html,<script>alert(1)</script>\">x</a>",
    "<img src=\"javascript:alert(1)\">",
    "<img src=\"data:image/svg+xml,<svg onload=alert(1)>\">",
    # autolinks and reference links
    "<javascript:alert(1)>",
    "<JAVASCRIPT:alert(1)>",
    "<vbscript:msgbox(1)>",
    "<data:text/html,alert(1)>",
    "<https://ok.example/\"onmouseover=\"alert(1)>",
    "[x][evil]\n\n[evil]: javascript:alert(1)",
    "[x][evil]\n\n[evil]: <javascript:alert(1)> \"t\"",
    "![x][evil]\n\n[evil]: data:text/html,alert(1)",
    "[x]\n\n[x]: vbscript:msgbox(1)",
    # frames, objects, embeds, styles, forms
    "<iframe src=\"https://evil.example\"></iframe>",
    "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
    "<object data=\"javascript:alert(1)\"></object>",
    "<embed src=\"javascript:alert(1)\">",
    "<style>body{background:url(javascript:alert(1))}</style>",
    "<div style=\"width:expression(alert(1))\">x</div>",
    "<p style=\"background-image:url('javascript:alert(1)')\">x</p>",
    "<link rel=stylesheet href=\"https://evil.example/x.css\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<base href=\"javascript:alert(1)//\">",
    "<form action=\"javascript:alert(1)\"><button>x</button></form>",
    "<button formaction=javascript:alert(1)>x</button>",
    "<isindex action=javascript:alert(1) type=image>",
    # HTML entities and comments
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "<!--<script>alert(1)</script>-->",
    "<!-- --><script>alert(1)</script>",
    "<![CDATA[<script>alert(1)</script>]]>",
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    "    <img src=x onerror=alert(1)>",
    "> <script>alert(1)</script>",
    "* [x](javascript:alert(1))\n* <img src=x onerror=alert(1)>",
    "| a |\n|---|\n| <script>alert(1)</script> |",
    "[a](https://ok.example)<img src=x onerror=alert(1)>",
]

FORBIDDEN_TAGS = {"script", "iframe", "object", "embed", "style", "svg", "math", "form",
                  "input", "button", "link", "meta", "base", "body", "frame", "frameset",
                  "video", "audio", "source", "details", "marquee", "textarea", "noscript"}
BAD_SCHEMES = ("javascript:", "data:", "vbscript:")


def url_scheme_view(value: str) -> str:
    """The URL as a browser's URL parser sees it: leading and trailing C0 controls
    and spaces stripped, tabs and newlines removed anywhere, scheme case-folded."""
    value = value.strip("".join(chr(c) for c in range(0x21)))
    value = re.sub(r"[\t\n\r]", "", value)
    return value.lower()


class Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.links: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"tag <{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler {name}")
            if name in {"style", "srcdoc", "formaction", "action", "background", "xlink:href"}:
                self.problems.append(f"attribute {name}")
            if name in {"href", "src"} and value is not None:
                if url_scheme_view(value).startswith(BAD_SCHEMES):
                    self.problems.append(f"{name}={value!r}")
        if tag == "a":
            self.links.append(dict(attrs))

    handle_startendtag = handle_starttag


def assert_safe(html: str) -> None:
    checker = Checker()
    checker.feed(html)
    checker.close()
    assert not checker.problems, (checker.problems, html)
    lowered = html.lower()
    assert "<script" not in lowered, html
    # No on...= attribute in any tag (quoted attribute values, already escaped, aside).
    unquoted = re.sub(r'"[^"]*"', '""', lowered)
    assert not re.search(r"<[^>]*\son\w+\s*=", unquoted), html
    for link in checker.links:
        assert link.get("rel") == "nofollow ugc noopener", html


def test_there_are_at_least_fifty_payloads() -> None:
    assert len(PAYLOADS) >= 50
    assert len(set(PAYLOADS)) == len(PAYLOADS)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_render_makes_every_payload_harmless(payload: str) -> None:
    assert_safe(render(payload))


def test_the_checker_catches_what_it_should() -> None:
    for bad in ['<script>x</script>', '<img src=x onerror=y>', '<img alt="a" onerror="y">', '<a href="java\tscript:x">a</a>',
                '<a href=" JAVASCRIPT:x">a</a>', '<img src="data:image/png,x">',
                '<iframe></iframe>', '<p style="x">a</p>',
                '<a href="https://ok.example">no rel</a>']:
        with pytest.raises(AssertionError):
            assert_safe(bad)


def test_safe_markdown_still_renders() -> None:
    html = render("**bold** _it_ `code` [link](https://ok.example/a?b=1) "
                  "![alt](https://ok.example/a.png) <https://auto.example>\n\n- item\n\n"
                  "[ref][r]\n\n[r]: https://ref.example")
    assert "<strong>bold</strong>" in html and "<em>it</em>" in html
    assert "<code>code</code>" in html and "<li>item</li>" in html
    assert 'href="https://ok.example/a?b=1"' in html.replace("&amp;", "&")
    # An image is a link to it (cps/services/discussion/markdown.py says why), never embedded.
    assert "<img" not in html
    assert 'href="https://ok.example/a.png"' in html and "alt (image on ok.example)" in html
    assert 'href="https://auto.example"' in html and 'href="https://ref.example"' in html
    assert html.count('rel="nofollow ugc noopener"') == 4
    assert_safe(html)


def test_mailto_links_survive() -> None:
    html = render("[write](mailto:council@ok.example)")
    assert 'href="mailto:council@ok.example"' in html
    assert_safe(html)


FOLLOWABLE = ["https://ok.example/a?b=1#c", "/topics/1", "mailto:council@ok.example",
              "https://[::1]:8080/x", "https://bücher.example", "https://my_host.example",
              "https://user@ok.example/", "https:relative"]
NOT_FOLLOWABLE = ["//[", "//%5B", "https://exa%20mple.example",
                  "https://ok.example:80x/", "http://", "//", "https://a|b.example"]


@pytest.mark.parametrize("href", FOLLOWABLE)
def test_a_link_a_browser_can_follow_keeps_its_address(href: str) -> None:
    assert followable(href)
    assert "href=" in render(f"[words]({href})")


@pytest.mark.parametrize("href", NOT_FOLLOWABLE)
def test_a_link_no_browser_can_follow_keeps_its_words_only(href: str) -> None:
    """Such an address ("//[") is refused by every browser's URL parser: as a link it
    leads nowhere, and it broke the thread of the web front end (dom.js `urlOf`)."""
    assert not followable(href)
    html = render(f"A [broken link]({href}) here")
    assert "href=" not in html and "broken link" in html
    assert_safe(html)


async def test_a_post_with_a_link_no_browser_can_follow_is_kept_with_its_words(api: Api) -> None:
    w = await api.world()
    post = await api.post(w["citizen"], w["topic"]["id"], "A [broken link](//[) here")
    assert post["body"] == "A [broken link](//[) here"  # as written
    assert "href" not in post["html"] and "broken link" in post["html"]


def test_a_host_in_brackets_must_be_an_ipv6_address() -> None:
    # (markdown-it itself rewrites "https://[zz]/" in a link to "https://zz/")
    assert followable("https://[2001:db8::1]:443/") and not followable("https://[zz]/")


async def test_every_payload_is_harmless_through_the_api(api: Api) -> None:
    w = await api.world()
    t = w["topic"]["id"]
    # Several authors, so that no one meets the posting rate limit.
    authors = [w["citizen"], *[await api.user() for _ in range(4)]]
    # Some as topics' first posts, the rest as posts; then read them all back.
    for i, payload in enumerate(PAYLOADS):
        author = authors[i % len(authors)]
        if i % 8 == 0:
            topic = await api.topic(author, w["space"]["id"], title=payload[:200],
                                    body=payload)
            first = (await api.ok("GET", f"/topics/{topic['id']}/posts"))["posts"][0]
            assert_safe(first["html"])
            assert first["body"] == payload
        else:
            post = await api.post(author, t, payload)
            assert post["body"] == payload
            assert_safe(post["html"])
    posts = (await api.ok("GET", f"/topics/{t}/posts"))["posts"]
    for post in posts:
        assert_safe(post["html"])
    # An edit is sanitized too.
    edited = (await api.ok("PATCH", f"/posts/{posts[1]['id']}", authors[1],
                           {"body": "<svg onload=alert(1)> [x](javascript:alert(1))"}))["post"]
    assert_safe(edited["html"])
