"""Issue 20, the web half of "a check that nothing is missed": every word the
front end shows comes from the catalogues web/static/i18n/<lang>.json, every
catalogue has exactly English's keys (none missing, none stale), the same
placeholders, the plural forms of its language, and says who may review it.
Each rule is also shown failing on a small example, so a scanner that saw
nothing could not pass (docs/languages.md)."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest
from babel import Locale

from tests.web.texts import hard_coded, keys_used, reads_as_words, static_keys

WEB = Path(__file__).resolve().parents[2] / "web"
STATIC = WEB / "static"
CATALOGUES = STATIC / "i18n"
LANGUAGES = ["en", "ko", "es", "fr", "ru", "tr", "ar"]
PLACEHOLDER = re.compile(r"\{([A-Za-z_]\w*)\}")

# Literals the scanner reads as words that are not shown to people, with why.
NOT_WORDS: dict[tuple[str, str], str] = {
    ("app.js", "CPS"): "the product's name, the same in every language",
    **{("i18n.js", name): "a language's own name: the menu shows it so in every language"
       for name in ("English", "한국어", "Español", "Français", "Русский", "Türkçe", "العربية")},
    ("thread/post-language.js", "پښتو"): "a language's own name (Pashto), which Intl lacks",
    ("i18n.js", "; Secure"): "a cookie attribute",
    ("api.js", "cps_csrf=; Max-Age=0; Path=/; SameSite=Lax"): "a cookie",
    ("responsiveness/chart.js", "-title "): "element ids in aria-labelledby",
    ("thread/post-view.js", "(max-width: 40rem)"): "a CSS media query",
    **{("pages/profile.js", name): "a browser's or a system's name, read from the User-Agent"
       for name in ("Edge", "Opera", "Firefox", "Chrome", "Chromium", "Safari", "Android",
                    "Windows", "Mac OS X", "Macintosh", "Linux")},
    ("pages/search.js", "is:question, status:answered, is:official"):
        "search operators: the server's words, the same in every language",
    ("i18n.js", "; Path=/; Max-Age=31536000; SameSite=Lax"): "cookie attributes",
}


def catalogue(code: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CATALOGUES / f"{code}.json").read_text(encoding="utf-8"))
    return data


def entries(code: str) -> dict[str, Any]:
    return {k: v for k, v in catalogue(code).items() if k != "@meta"}


def modules() -> dict[str, str]:
    return {p.relative_to(STATIC).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(STATIC.rglob("*.js"))}


def plural_forms(code: str) -> set[str]:
    return set(Locale.parse(code).plural_form.tags) | {"other"}


def texts_of(value: Any) -> list[str]:
    return list(value.values()) if isinstance(value, dict) else [value]


# ---- the catalogues ---------------------------------------------------------------------


def test_there_is_a_catalogue_for_each_language_and_no_other() -> None:
    assert sorted(p.stem for p in CATALOGUES.glob("*.json")) == sorted(LANGUAGES)


@pytest.mark.parametrize("code", LANGUAGES)
def test_each_catalogue_says_its_language_and_who_may_review_it(code: str) -> None:
    meta = catalogue(code)["@meta"]
    assert meta["language"] == code
    assert meta["name"]
    assert len(meta["review_by"]) > 20
    assert next(iter(catalogue(code))) == "@meta"


@pytest.mark.parametrize("code", LANGUAGES[1:])
def test_each_catalogue_has_exactly_the_english_keys(code: str) -> None:
    english, own = set(entries("en")), set(entries(code))
    assert sorted(english - own) == [], f"{code}.json lacks these keys"
    assert sorted(own - english) == [], f"{code}.json carries stale keys"


@pytest.mark.parametrize("code", LANGUAGES)
def test_plural_entries_have_exactly_their_languages_forms(code: str) -> None:
    wanted = plural_forms(code)
    english = entries("en")
    for key, value in entries(code).items():
        assert isinstance(value, dict) == isinstance(english[key], dict), key
        if isinstance(value, dict):
            assert set(value) == wanted, f"{code} {key}: {sorted(value)} ≠ {sorted(wanted)}"


@pytest.mark.parametrize("code", LANGUAGES[1:])
def test_translations_keep_the_placeholders_and_are_not_english_copied(code: str) -> None:
    english = entries("en")
    copied = []
    for key, value in entries(code).items():
        want = {p for text in texts_of(english[key]) for p in PLACEHOLDER.findall(text)}
        forms = value.items() if isinstance(value, dict) else [("", value)]
        for form, text in forms:
            assert isinstance(text, str) and text.strip(), f"{code} {key} is empty"
            have = set(PLACEHOLDER.findall(text))
            # A plural form may say "one" in words instead of {count}; Arabic's
            # "zero" form ("no new replies") may leave out who and where.
            allowed_missing = want if form == "zero" else {"count"}
            assert have <= want and want - have <= allowed_missing, f"{code} {key}: {text!r}"
        if texts_of(value) == texts_of(english[key]) and _WORDY.search(
                " ".join(texts_of(value))):
            copied.append(key)
    # Words the same in both ("Questions", "Institution", "Notifications" in
    # French; "Premium") are a few in a hundred; a copied catalogue would be all.
    assert len(copied) <= max(3, len(english) // 20), copied


_WORDY = re.compile(r"[A-Za-z]{4,}")


# ---- the code uses the catalogue ------------------------------------------------------


def test_every_key_the_code_asks_for_is_in_english() -> None:
    english = set(entries("en"))
    missing = [(path, key) for path, source in modules().items()
               for key in keys_used(source).called if key not in english]
    missing += [("index.html", key) for key in static_keys((WEB / "index.html").read_text())
                if key not in english]
    assert missing == []


def test_every_english_key_is_used() -> None:
    named: set[str] = static_keys((WEB / "index.html").read_text())
    prefixes: set[str] = set()
    for source in modules().values():
        keys = keys_used(source)
        named |= keys.literals
        prefixes |= keys.prefixes
    stale = [k for k in entries("en")
             if k not in named and not any(k.startswith(p) for p in prefixes)]
    assert stale == []


def test_no_module_shows_words_that_are_not_from_the_catalogue() -> None:
    problems = []
    for path, source in modules().items():
        problems += [f"{path}:{f.line} {f.value!r}" for f in hard_coded(source)
                     if (path, f.value) not in NOT_WORDS]
    assert problems == []


def test_index_html_has_no_words_outside_the_catalogue() -> None:
    html = (WEB / "index.html").read_text()
    marked = re.sub(r"<(\w+)[^>]*data-i18n=\"[^\"]+\"[^>]*>[^<]*</\1>", "", html)
    marked = re.sub(r"<noscript>.*?</noscript>", "", marked, flags=re.S)
    texts = [t.strip() for t in re.findall(r">([^<]+)<", marked) if t.strip()]
    assert [t for t in texts if reads_as_words(t) and t != "CPS"] == []
    for attr in ("aria-label", "placeholder", "title", "content", "alt"):
        for el in re.findall(rf"<[^>]*\b{attr}=\"[^\"]*\"[^>]*>", html):
            if attr == "content" and "description" not in el:
                continue
            assert f"{attr}:" in el, f"{attr} not from the catalogue: {el}"


# ---- the rules fail when they should ----------------------------------------------------


def js(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


@pytest.mark.parametrize("source", [
    'h("button", { type: "button" }, "Save");\n',
    'h("p", {}, "Please ", link, " to see this page.");\n',
    'el.textContent = `You have ${n} new replies`;\n',
    'input.setAttribute("placeholder", t("x.y")); input.title = "Your post";\n',
    'const label = { live: "Live", offline: "Offline — updates resume" }[state];\n',
    'announce(`Sign out failed: ${err.message}`);\n',
    'h("span", { "aria-label": "Close menu" });\n',
    'return n === 1 ? "a minute" : `${n} minutes`;\n',
    'h("p", {}, "비밀번호");\n',
    'h("span", {}, state === "done" ? " (done)" : " (to come)");\n',
])
def test_a_hard_coded_string_is_found(source: str) -> None:
    assert hard_coded(source), source


@pytest.mark.parametrize("source", [
    'h("button", { type: "button", class: "linklike primary" }, t("thread.reply"));\n',
    'if (event.key === "Escape") close();\n',
    'if (err.name === "AbortError") return;\n',
    'console.warn("cleanup failed", err);\n',
    'const url = `/api/v1/topics/${id}?sort=new`;\n',
    'headers["X-CSRF-Token"] = csrf; headers["Content-Type"] = "application/json";\n',
    'live.subscribe(`topic:${id}`, { event: (msg) => msg.name === "post.created" });\n',
    'form.querySelector("button[type=submit], .form-error");\n',
    'h("p", {}, tx("auth.needed", { link: h("a", { href: "/login" }, t("nav.signIn")) }));\n',
    'const s = t(d.reason ? "notice.a.reason" : "notice.a", { reason: d.reason });\n',
    'h("li", { class: `step is-${state} step-${key}` });\n',
])
def test_code_that_is_not_words_passes(source: str) -> None:
    assert hard_coded(source) == []


def test_keys_are_read_from_calls_literals_and_template_prefixes() -> None:
    keys = keys_used(js("""
        h("p", {}, t("a.b"), tx("c.d", { n }));
        const x = t(cond ? "e.f" : "g.h");
        const y = t(`conn.${state}`);
    """))
    assert keys.called == {"a.b", "c.d"}
    assert {"e.f", "g.h"} <= keys.literals
    assert keys.prefixes == {"conn."}


def test_a_catalogue_missing_a_key_or_carrying_a_stale_one_fails(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for code in LANGUAGES:
        (tmp_path / f"{code}.json").write_text((CATALOGUES / f"{code}.json").read_text())
    ko = json.loads((tmp_path / "ko.json").read_text())
    first = next(k for k in ko if k != "@meta")
    del ko[first]
    ko["stale.key"] = "낡은"
    (tmp_path / "ko.json").write_text(json.dumps(ko, ensure_ascii=False))
    monkeypatch.setitem(globals(), "CATALOGUES", tmp_path)
    with pytest.raises(AssertionError, match="lacks these keys"):
        test_each_catalogue_has_exactly_the_english_keys("ko")
    del ko["stale.key"]
    ko[first] = entries("en")[first]
    ko["stale.key"] = "낡은"
    (tmp_path / "ko.json").write_text(json.dumps(ko, ensure_ascii=False))
    with pytest.raises(AssertionError, match="stale keys"):
        test_each_catalogue_has_exactly_the_english_keys("ko")


def test_a_plural_missing_a_russian_form_fails(monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    ru = catalogue("ru")
    ru["x.count"] = {"one": "{count} ответ", "other": "{count} ответа"}
    (tmp_path / "ru.json").write_text(json.dumps(ru, ensure_ascii=False))
    en = catalogue("en")
    en["x.count"] = {"one": "{count} answer", "other": "{count} answers"}
    (tmp_path / "en.json").write_text(json.dumps(en))
    monkeypatch.setitem(globals(), "CATALOGUES", tmp_path)
    with pytest.raises(AssertionError, match=r"x\.count"):
        test_plural_entries_have_exactly_their_languages_forms("ru")


def test_no_module_imports_a_name_twice() -> None:
    """Two imports of `t` in one module stop the whole page (a SyntaxError the
    browser reports as "Identifier 't' has already been declared"); merges of
    two branches that both added the catalogue's import made exactly that."""
    twice = []
    for path, source in modules().items():
        names = [n.strip().split(" as ")[-1]
                 for m in re.finditer(r"^import \{([^}]*)\} from", source, re.M)
                 for n in m.group(1).split(",") if n.strip()]
        twice += [f"{path}: {n}" for n in sorted(set(names)) if names.count(n) > 1]
    assert twice == []


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_bells_name_contains_the_words_it_shows(code: str) -> None:
    """axe's label-content-name-mismatch: the bell shows "Notifications 3" and is
    named "Notifications 3 unread"; a name that puts the count elsewhere ("알림,
    읽지 않음 3개") fails voice control users, who say what they see."""
    words = catalogue(code)

    def bare(text: str) -> str:
        return " ".join(re.sub(r"[^\w\s]", " ", text).split()).casefold()

    for n in ("1", "7", "99+"):
        shown = bare(f"{words['toasts.label']} {n}")
        assert shown in bare(words["bell.unread"].replace("{n}", n)), (code, n)
    assert bare(words["toasts.label"]) in bare(words["acct.notificationsNoneUnread"])
