"""`cps demo` and the member list it is made from."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cps.config import Settings
from cps.demo import CONSENSUS_STATEMENTS, city_order, run_demo
from cps.seeds import MEMBERS, OFFICES, SEED_FILE, THEMES, Member, parse, read_seed_file
from tests.support.api import Api
from tests.support.settings import make_settings

pytestmark = [pytest.mark.anyio, pytest.mark.early]  # a demo run takes 15-40 s

STAKEHOLDERS = {"citizen", "business", "civil_society", "academia", "government"}


async def demo(
    settings: Any, capsys: pytest.CaptureFixture[str], **kw: Any
) -> tuple[int, str, str]:
    code = await run_demo(settings, **kw)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


async def thread(api: Any, topic_id: int) -> list[dict[str, Any]]:
    """Every post of a topic, following the cursor."""
    posts: list[dict[str, Any]] = []
    cursor = ""
    while True:
        page = await api.ok("GET", f"/topics/{topic_id}/posts?limit=100&cursor={cursor}")
        posts += page["posts"]
        if not page["next_cursor"]:
            return posts
        cursor = page["next_cursor"]


async def test_demo_fills_an_empty_database_with_member_cities_and_their_threads(
    database_url: str, api: Api, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = make_settings(database_url, CPS_PASSWORD_PROFILE="production")

    code, out, _ = await demo(settings, capsys, cities=2, partners=2)

    assert code == 0
    assert re.search(r"^\[1/2\] Seoul, Korea: \d spaces?, \d+ topics, \d+ posts, \d+ questions "
                     r"\(answers within hours\)$", out, re.M)
    assert re.search(r"^\[2/2\] Chengdu, China: .* \(answers within days\)$", out, re.M)
    orgs = (await api.ok("GET", "/orgs"))["orgs"]
    assert {(o["name"], o["country"], o["kind"]) for o in orgs} == {
        ("Seoul", "Korea", "local_government"),
        ("Chengdu", "China", "local_government"),
        ("WeavAir", "Canada", "corporation"),
        ("FIWARE Foundation", "Germany", "institution"),
    }
    authors: Counter[str] = Counter()
    reacted = 0
    local: dict[str, str] = {}
    for org in orgs:
        org_spaces = (await api.ok("GET", f"/orgs/{org['id']}/spaces"))["spaces"]
        assert 1 <= len(org_spaces) <= 3
        for n, space in enumerate(org_spaces):
            listed = (await api.ok("GET", f"/spaces/{space['id']}/topics"))["topics"]
            assert listed[0]["pinned"] == (n == 0)  # each organization pins one topic
            topics = [t for t in listed if t["kind"] == "discussion"]  # questions: below
            if space["name"].startswith("Ask "):  # a city's questions that no theme fits
                assert listed and not topics
            else:
                assert len(topics) >= 2
            for topic in topics:
                posts = await thread(api, topic["id"])
                if posts[0]["lang"] != "en":  # a thread in the city's language (issue 20)
                    assert {p["lang"] for p in posts} == {posts[0]["lang"]}, posts
                    local[org["name"]] = posts[0]["lang"]
                    continue
                assert len(posts) == topic["post_count"] >= 7
                assert max(p["depth"] for p in posts) >= 3
                by_id = {p["id"]: p for p in posts}
                for post in posts[1:]:  # every reply is in the thread, one level under its parent
                    assert by_id[post["parent_id"]]["depth"] == post["depth"] - 1
                authors.update(p["author"]["stakeholder_type"] for p in posts)
                reacted += sum(1 for p in posts if p["reactions"])
    assert set(authors) == STAKEHOLDERS
    assert reacted > 10
    await _no_description_or_title_twice(api, orgs)
    # Seoul writes a thread in Korean, every post of it detected as Korean; and a search
    # filtered to Korean finds it.
    assert local == {"Seoul": "ko"}
    found = (await api.ok("GET", "/search?q=lang:ko&kind=post"))["results"]
    assert len(found) == 4 and {r["lang"] for r in found} == {"ko"}
    await _the_premium_city_has_a_consensus_map(api, orgs, out)
    await _the_printed_accounts_sign_in(api, out)


async def _the_printed_accounts_sign_in(api: Api, out: str) -> None:
    """The accounts and the password the demo prints sign in (at the production
    password cost), the platform admin as one."""
    password = re.search(r"password is: (\S+)", out)
    assert password is not None
    for email in ("demo-admin@cps.example", "demo-citizen@cps.example",
                  "seoul.official@cps.example"):
        assert email in out
        r = await api.call("POST", "/auth/login",
                           json={"email": email, "password": password.group(1)})
        assert r.status_code == 200, r.text
        if email == "demo-admin@cps.example":
            assert r.json()["user"]["is_platform_admin"] is True


async def _no_description_or_title_twice(api: Api, orgs: list[dict[str, Any]]) -> None:
    """Issue 17: every space says what it is about in words of its own, and no topic
    title comes twice, so the home page's "Latest activity" never lists one twice."""
    descriptions: list[str] = []
    titles: list[str] = []
    for org in orgs:
        for space in (await api.ok("GET", f"/orgs/{org['id']}/spaces"))["spaces"]:
            descriptions.append(space["description"])
            # Not its subject said twice ("Clean air, waste and water. Clean air, waste...").
            assert not re.search(r"^(.+)\. \1", space["description"]), space["description"]
            listed = (await api.ok("GET", f"/spaces/{space['id']}/topics"))["topics"]
            titles += [t["title"] for t in listed]
    assert [d for d, n in Counter(descriptions).items() if n > 1] == []
    assert [t for t, n in Counter(titles).items() if n > 1] == []
    latest = [t["title"] for t in (await api.ok("GET", "/feed"))["latest"]]
    assert len(latest) == len(set(latest)) == 10, latest


async def _the_premium_city_has_a_consensus_map(api: Api, orgs: list[dict[str, Any]],
                                                out: str) -> None:
    """The first city is premium, with a round voted by 240 people in three opinion
    groups, its map computed: three groups, the statement they all agree with first."""
    assert re.search(r"^\[premium\] Seoul, Korea: a consensus round in \".+\", "
                     r"240 participants, 1,440 votes$", out, re.M)
    premium = [o for o in orgs if o["tier"] == "premium"]
    assert [o["name"] for o in premium] == ["Seoul"]
    found = []
    for space in (await api.ok("GET", f"/orgs/{premium[0]['id']}/spaces"))["spaces"]:
        for topic in (await api.ok("GET", f"/spaces/{space['id']}/topics"))["topics"]:
            found += (await api.ok("GET", f"/topics/{topic['id']}/consensus"))["rounds"]
    assert len(found) == 1
    seen = (await api.ok("GET", f"/consensus/{found[0]['id']}"))["round"]
    assert seen["participants"] == 240 and seen["computed_at"] is not None
    assert len(seen["groups"]) == 3, seen["groups"]
    texts = {s["id"]: s["text"] for s in seen["statements"]}
    top = seen["consensus"][0]
    assert texts[top["statement_id"]] == CONSENSUS_STATEMENTS[0]
    assert top["direction"] == "agree"


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def test_the_demo_cities_answer_their_questions_fast_late_or_never(
    database_url: str, api: Api, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = await demo(make_settings(database_url), capsys, cities=6, partners=0)
    assert code == 0
    assert re.search(r"^\[6/6\] Ghazni, Afghanistan: .*, 3 questions \(new to questions", out,
                     re.M)
    assert "GET /responsiveness" in out

    network = await api.ok("GET", "/responsiveness")

    # Each profile's figures, counted over the default 90 days: a ranking with real
    # differences, and a city with too few questions listed without a rank.
    figures = {
        o["org"]["name"]: (o["rank"], o["asked"], o["answered"], o["answered_within_target"],
                           o["overdue"], o["declined"])
        for o in network["orgs"]
    }
    assert figures == {
        "Seoul": (1, 7, 7, 7, 0, 0),
        "Chengdu": (2, 6, 5, 4, 0, 0),
        "Beyo\u011flu": (3, 7, 4, 3, 1, 1),
        "Ulyanovsk Region": (4, 6, 2, 0, 3, 0),
        "Mexico City": (5, 5, 0, 0, 4, 0),
        "Ghazni": (None, 3, 2, 2, 0, 0),
    }
    ranked = [o for o in network["orgs"] if o["rank"] is not None]
    assert [o["org"]["name"] for o in network["orgs"]][:5] == [o["org"]["name"] for o in ranked]
    medians = [o["median_hours_to_answer"] for o in ranked]
    assert medians[0] < 24 < medians[1] < 14 * 24 < medians[3]  # hours, days, weeks late
    assert medians[4] is None  # never answered
    assert network["overdue"] == 8

    questions: list[dict[str, Any]] = []
    for org in (await api.ok("GET", "/orgs"))["orgs"]:
        officials = (await api.ok("GET", f"/orgs/{org['id']}/officials"))["officials"]
        assert 1 <= len(officials) <= 2
        assert {o["user"]["stakeholder_type"] for o in officials} == {"government"}
        for space in (await api.ok("GET", f"/orgs/{org['id']}/spaces"))["spaces"]:
            listed = (await api.ok("GET", f"/spaces/{space['id']}/topics"))["topics"]
            questions += [dict(t, org=org) for t in listed if t["kind"] == "question"]
    assert len(questions) == 9 + 8 + 8 + 8 + 7 + 3  # a profile's questions, older ones too
    asked = [_at(q["question"]["asked_at"]) for q in questions]
    now = datetime.now(UTC)
    assert all(at < now for at in asked)
    assert now - min(asked) > timedelta(days=110)  # four months of history for the chart
    waits = [_at(q["question"]["answered_at"]) - _at(q["question"]["asked_at"])
             for q in questions if q["question"]["answered_at"]]
    assert min(waits) < timedelta(hours=6) and max(waits) > timedelta(days=30)
    assert any(q["question"]["overdue"] for q in questions)
    statuses = Counter(q["question"]["status"] for q in questions)
    assert set(statuses) == {"open", "acknowledged", "answered", "in_progress", "done",
                             "declined"}
    declined = next(q for q in questions if q["question"]["status"] == "declined")
    assert "national traffic law" in declined["question"]["reason"]

    kinds_per_question = []
    for q in questions:
        posts = await thread(api, q["id"])
        kinds = {p["author"]["stakeholder_type"] for p in posts}
        kinds_per_question.append(kinds)
        assert {k for k, n in q["participation"].items() if n} == kinds
        answer_id = q["question"]["answer_post_id"]
        if answer_id is not None:  # the answer is an official's post, marked as one
            answer = next(p for p in posts if p["id"] == answer_id)
            assert answer["author"]["official"] == {"org_id": q["org"]["id"],
                                                    "org_name": q["org"]["name"]}
            assert _at(answer["created_at"]) == _at(q["question"]["answered_at"])
        history = (await api.ok("GET", f"/topics/{q['id']}/status-history"))["changes"]
        assert history[0]["to"] == "open"
        assert _at(history[0]["at"]) == _at(q["question"]["asked_at"])
        assert history[-1]["to"] == q["question"]["status"]
    # Some questions drew every kind of stakeholder, some only the one who asked.
    assert STAKEHOLDERS in kinds_per_question
    assert any(len(kinds) == 1 for kinds in kinds_per_question)
    horizontal = (await api.ok("GET", f"/spaces/{questions[0]['space_id']}/topics"
                                      "?sort=horizontal"))["topics"]
    counts = [sum(1 for n in t["participation"].values() if n) for t in horizontal]
    assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1]


async def test_accounts_alone_count_as_empty_a_second_run_refuses_and_force_adds_more_cities(
    settings: Settings, api: Api, capsys: pytest.CaptureFixture[str]
) -> None:
    """And the member organizations the demo makes are verified, on its first run and a
    forced one: no one may take a look-alike of their names (tests/security/
    test_impersonation.py for verification itself)."""
    await api.user("Someone who signed up first")

    code, out, _ = await demo(settings, capsys, cities=1, partners=1)

    assert code == 0  # a database with only accounts counts as empty
    assert "[1/1] Seoul, Korea" in out and "[partner 1/1] WeavAir" in out
    orgs = (await api.ok("GET", "/orgs"))["orgs"]
    assert {(o["name"], o["verified"]) for o in orgs} == {("Seoul", True), ("WeavAir", True)}

    code, out, err = await demo(settings, capsys, cities=1, partners=1)

    assert code == 1
    assert out == ""
    assert "not empty" in err and "--force" in err
    assert len((await api.ok("GET", "/orgs"))["orgs"]) == 2

    code, out, _ = await demo(settings, capsys, force=True, cities=1, partners=1)

    assert code == 0
    # The next city and the next partner, not Seoul or WeavAir again (nor a look-alike).
    assert "[1/1] Chengdu, China" in out and "[partner 1/1] FIWARE Foundation" in out
    assert "demo-citizen-2@cps.example" in out
    orgs = (await api.ok("GET", "/orgs"))["orgs"]
    assert {(o["name"], o["verified"]) for o in orgs} == {
        ("Seoul", True), ("WeavAir", True), ("Chengdu", True), ("FIWARE Foundation", True)}
    impostor = await api.user("Someone else")
    for look_alike in ("Seou1", "CHENGDU", "Weav Air"):
        r = await api.call("POST", "/orgs", impostor,
                           {"name": look_alike, "kind": "local_government", "country": "Korea"})
        assert r.status_code == 409 and r.json()["error"]["code"] == "name_taken", look_alike


async def test_an_impossible_number_of_cities_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = make_settings(f"sqlite:///{tmp_path / 'never.db'}")
    for cities in (0, len(city_order()) + 1):
        code, _, err = await demo(settings, capsys, cities=cities)
        assert code == 2
        assert "--cities must be between 1 and" in err
    assert not (tmp_path / "never.db").exists()


# --- the member list ----------------------------------------------------------

REPORT_EXCERPT = """\
About WeGO
WeGO's Secretariat is based in Seoul, Korea, with regional offices in East Asia
(Chengdu, China), and Latin America (Mexico City, Mexico).
Content
New Members & Partners
Local Governments
Korea - Jeju
Corporations
Canada - WeavAir
Korea - Data Alliance, Geomexsoft

Institutions
Germany - FIWARE Foundation
MOU Partners
Member Overview
WeGO's 190 Members as of December 31, 2019
Local Governments
Asia-Pacific
Korea \u2013 Jeju, Seoul

Europe
Turkey \u2013 Ankara, Beyo\u011flu
Corporations
"""


def test_parse_reads_members_by_region_and_the_office_cities() -> None:
    seeds = parse(REPORT_EXCERPT)

    assert seeds.members == (
        Member("Jeju", "Korea", "local_government", "Asia-Pacific"),
        Member("Seoul", "Korea", "local_government", "Asia-Pacific"),
        Member("Ankara", "Turkey", "local_government", "Europe"),
        Member("Beyo\u011flu", "Turkey", "local_government", "Europe"),
        Member("WeavAir", "Canada", "corporation", ""),
        Member("Data Alliance", "Korea", "corporation", ""),
        Member("Geomexsoft", "Korea", "corporation", ""),
        Member("FIWARE Foundation", "Germany", "institution", ""),
    )
    assert seeds.offices == ("Seoul", "Chengdu", "Mexico City")


def _report_text() -> str:
    if not SEED_FILE.is_file():
        pytest.skip(f"the seed file is not here: {SEED_FILE}")
    return SEED_FILE.read_text(encoding="utf-8")


def test_the_shipped_member_list_is_what_the_report_says() -> None:
    _report_text()
    seeds = read_seed_file()

    assert seeds is not None
    assert seeds.members == MEMBERS
    assert seeds.offices == OFFICES


def test_every_theme_is_quoted_from_the_report() -> None:
    text = " ".join(_report_text().split())
    for theme in THEMES:
        for phrase in theme.evidence:
            assert phrase in text, (theme.key, phrase)


def test_the_member_list_has_every_region_and_kind() -> None:
    assert Counter(m.kind for m in MEMBERS) == {
        "local_government": 144, "corporation": 14, "institution": 8,
    }
    assert {m.region for m in MEMBERS if m.kind == "local_government"} == {
        "Asia-Pacific", "Africa", "Europe", "Americas", "Middle East",
    }


def test_cities_come_offices_first_then_one_region_after_another() -> None:
    order = city_order()

    assert [m.name for m in order[:5]] == [
        "Seoul", "Chengdu", "Ulyanovsk Region", "Beyo\u011flu", "Mexico City",
    ]
    assert len({m.region for m in order[5:10]}) == 5
    assert sorted(order, key=lambda m: m.name) == sorted(
        (m for m in MEMBERS if m.kind == "local_government"), key=lambda m: m.name
    )
