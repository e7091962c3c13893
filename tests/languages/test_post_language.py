"""Posts carry their language (docs/languages.md): detected on write, overridable by
the author on POST and PATCH, returned on posts, filterable in a space's topic list
(`?lang=`) and in search (`lang:` and `?lang=`), never told of a post the reader may
not see. Both databases."""

from __future__ import annotations

from typing import Any

import pytest

from cps.services.context import Context
from tests.support.api import Api, User
from tests.support.direct import tiers_in
from tests.support.world import Builder, World

pytestmark = pytest.mark.anyio

KOREAN = "마포구 자전거 도로 확장 계획에 대해 주민 의견을 듣고 싶습니다."
ENGLISH = "The bus stop on Elm Street needs a shelter before the winter comes."
SPANISH = "Necesitamos mejor iluminación en el paso a desnivel de la colonia."
RUSSIAN = "На остановке на улице Вязов нужен навес до начала зимы."


async def _post(api: Api, user: User, topic_id: int, body: str, **extra: Any) -> dict[str, Any]:
    answer = await api.ok("POST", f"/topics/{topic_id}/posts", user,
                          json={"body": body, **extra})
    post: dict[str, Any] = answer["post"]
    return post


async def _search(api: Api, query: str, user: User | None = None) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = (await api.ok("GET", f"/search?{query}", user))["results"]
    return results


async def test_a_korean_post_is_marked_ko_and_found_by_a_search_filtered_to_korean(
    api: Api,
) -> None:
    w: World = await api.world()
    topic = w["topic"]["id"]
    korean = await _post(api, w["citizen"], topic, KOREAN)
    english = await _post(api, w["citizen"], topic, ENGLISH)
    assert korean["lang"] == "ko"
    assert english["lang"] == "en"
    listed = {p["id"]: p["lang"] for p in await api.posts(topic)}
    assert listed[korean["id"]] == "ko" and listed[english["id"]] == "en"

    # The operator and the parameter, with a word and without one.
    for query in ["q=자전거+lang:ko", "q=자전거&lang=ko", "q=lang:ko", "q=도로&lang=KO"]:
        found = [r for r in await _search(api, query) if r["kind"] == "post"]
        assert [r["post_id"] for r in found] == [korean["id"]], query
        assert found[0]["lang"] == "ko"
    assert await _search(api, "q=자전거+lang:en") == []
    english_only = await _search(api, "q=lang:en&kind=post")
    assert korean["id"] not in {r["post_id"] for r in english_only}
    assert english["id"] in {r["post_id"] for r in english_only}


async def test_the_author_overrides_the_language_and_an_edit_keeps_their_word(
    api: Api,
) -> None:
    w: World = await api.world()
    topic, citizen = w["topic"]["id"], w["citizen"]
    post = await _post(api, citizen, topic, ENGLISH, lang="PT-br")
    assert post["lang"] == "pt-BR"
    # An edit of the text keeps what the author said.
    edited = (await api.ok("PATCH", f"/posts/{post['id']}", citizen,
                           json={"body": RUSSIAN}))["post"]
    assert edited["lang"] == "pt-BR"
    # The language alone, without a new body.
    relabelled = (await api.ok("PATCH", f"/posts/{post['id']}", citizen,
                               json={"lang": "ru"}))["post"]
    assert relabelled["lang"] == "ru" and relabelled["body"] == RUSSIAN

    detected = await _post(api, citizen, topic, ENGLISH)
    assert detected["lang"] == "en"
    # A detected language follows the text when it is edited.
    edited = (await api.ok("PATCH", f"/posts/{detected['id']}", citizen,
                           json={"body": SPANISH}))["post"]
    assert edited["lang"] == "es"


async def test_lang_null_takes_the_authors_word_back_and_detects_again(api: Api) -> None:
    """The edit form's "Detect automatically": `"lang": null` clears the language the
    author said; the text's is found again, and later edits follow the text."""
    w: World = await api.world()
    topic, citizen = w["topic"]["id"], w["citizen"]
    post = await _post(api, citizen, topic, ENGLISH, lang="es")
    assert post["lang"] == "es"
    path = f"/posts/{post['id']}"
    assert (await api.ok("PATCH", path, citizen, json={"lang": None}))["post"]["lang"] == "en"
    assert (await api.ok("PATCH", path, citizen,
                         json={"body": RUSSIAN}))["post"]["lang"] == "ru"
    # With a new body in the same request, the new body's language.
    await api.ok("PATCH", path, citizen, json={"lang": "es"})
    both = (await api.ok("PATCH", path, citizen, json={"body": SPANISH, "lang": None}))["post"]
    assert both["lang"] == "es" and both["body"] == SPANISH
    # Absent is not null: an empty change is still refused, and names the body.
    r = await api.call("PATCH", path, citizen, json={})
    assert r.status_code == 422 and "body" in r.json()["error"]["fields"]
    # Only the author, as for any edit.
    r = await api.call("PATCH", path, w["admin"], json={"lang": None})
    assert r.status_code == 403


async def test_text_too_short_or_unclear_has_no_language(api: Api) -> None:
    w: World = await api.world()
    topic, citizen = w["topic"]["id"], w["citizen"]
    for body in ["+1", "Merci !", "👍👍👍", "https://example.org/a/very/long/link/to/a/map",
                 "@someone @another"]:
        assert (await _post(api, citizen, topic, body))["lang"] is None, body


async def test_a_language_that_is_not_a_tag_is_refused_in_the_callers_language(
    api: Api,
) -> None:
    w: World = await api.world()
    topic, citizen = w["topic"]["id"], w["citizen"]
    before = len(await api.posts(topic))
    for bad in ["k", "korean language", "ko_KR", "ko-", "-ko", "x" * 17, "ko KR", "한국어", 7]:
        r = await api.call("POST", f"/topics/{topic}/posts", citizen,
                           json={"body": KOREAN, "lang": bad},
                           headers={"Accept-Language": "ko"})
        assert r.status_code == 422, (bad, r.text)
        assert "lang" in r.json()["error"]["fields"], r.text
    # The last, 7, is refused by pydantic's type check: its text is translated too.
    assert r.json()["error"]["fields"]["lang"] == "문자열이어야 합니다"
    assert len(await api.posts(topic)) == before  # nothing half-written
    post = await _post(api, citizen, topic, KOREAN)
    for body in [{}, {"lang": "ko_KR"}]:
        r = await api.call("PATCH", f"/posts/{post['id']}", citizen, json=body)
        assert r.status_code == 422, r.text
    # Someone else cannot relabel a post.
    r = await api.call("PATCH", f"/posts/{post['id']}", w["admin"], json={"lang": "en"})
    assert r.status_code == 403
    assert (await api.posts(topic))[-1]["lang"] == "ko"
    for query in ["q=lang:", "q=lang:k", "q=x&lang=ko_KR", "q=x&lang=" + "a" * 20]:
        r = await api.call("GET", f"/search?{query}")
        assert r.status_code == 422, (query, r.text)


async def test_the_topic_list_filters_by_language_counting_only_posts_everyone_sees(
    api: Api,
) -> None:
    place = await api.place(topics=0)
    admin = place.admin
    space = place.space_id
    korean = (await api.ok("POST", f"/spaces/{space}/topics", admin,
                           json={"title": "자전거 도로", "body": KOREAN}))["topic"]
    english = (await api.ok("POST", f"/spaces/{space}/topics", admin,
                            json={"title": "Bus shelters", "body": ENGLISH}))["topic"]
    mixed = (await api.ok("POST", f"/spaces/{space}/topics", admin,
                          json={"title": "Lighting", "body": ENGLISH}))["topic"]
    citizen = await api.user()
    reply = await _post(api, citizen, mixed["id"], RUSSIAN)

    async def listed(lang: str) -> set[int]:
        body = await api.ok("GET", f"/spaces/{space}/topics?lang={lang}")
        return {t["id"] for t in body["topics"]}

    assert await listed("ko") == {korean["id"]}
    assert await listed("en") == {english["id"], mixed["id"]}
    assert await listed("ru") == {mixed["id"]}
    assert await listed("ar") == set()
    # A moderator hides the Russian reply: it no longer makes the topic Russian, and
    # its language is no longer told to those who cannot read it.
    await api.ok("POST", f"/posts/{reply['id']}/hide", admin, json={"reason": "off topic"})
    assert await listed("ru") == set()
    seen = {p["id"]: p for p in await api.posts(mixed["id"])}
    assert seen[reply["id"]]["lang"] is None
    assert await _search(api, "q=lang:ru") == []
    # Its author still sees it, with its language.
    mine = {p["id"]: p for p in await api.posts(mixed["id"], citizen)}
    assert mine[reply["id"]]["lang"] == "ru"
    r = await api.call("GET", f"/spaces/{space}/topics?lang=ko_KR")
    assert r.status_code == 422


async def test_a_private_spaces_posts_are_not_found_by_language_by_outsiders(
    api: Api, ctx: Context,
) -> None:
    build = Builder(api, tiers=tiers_in(ctx))
    admin = await api.user("Org Admin")
    org = await build.org(admin, "City of Seoul", tier="plus")
    member, outsider = await api.user("Member"), await api.user("Outsider")
    private = await build.space(admin, org["id"], "private", name="Closed Council",
                                members=[member])
    topic = (await api.ok("POST", f"/spaces/{private['id']}/topics", admin,
                          json={"title": "비공개 회의", "body": KOREAN}))["topic"]
    assert await _search(api, "q=lang:ko", outsider) == []
    assert await _search(api, "q=lang:ko") == []
    assert await _search(api, "q=자전거&lang=ko", outsider) == []
    found = await _search(api, "q=lang:ko", member)
    assert {r["topic_id"] for r in found} == {topic["id"]}
    r = await api.call("GET", f"/spaces/{private['id']}/topics?lang=ko", outsider)
    assert r.status_code in (403, 404)
