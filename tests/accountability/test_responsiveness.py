"""The responsiveness reports on a dataset with known times, on both databases:
every figure, the percentiles, the network's ranking (ties, fewer than five
questions), the period, who may see a private space's figures, and bad dates
(docs/accountability.md, Responsiveness)."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from typing import Any

import pytest
from sqlalchemy import and_, insert, true

from cps.services.context import Context
from cps.services.errors import Invalid
from cps.services.responsiveness import report
from cps.services.responsiveness.views import ReportOrg, Responsiveness
from cps.storage import responsiveness
from cps.storage.accountability import Question
from cps.storage.models import Organization, Space, Topic
from cps.storage.models import User as Account
from cps.storage.types import utcnow
from tests.support.api import Api, User
from tests.support.direct import tiers_in
from tests.support.world import Builder

pytestmark = pytest.mark.anyio

TARGET = timedelta(days=14)


def midnight(days_ago: int = 0) -> datetime:
    now = utcnow()
    return datetime(now.year, now.month, now.day, tzinfo=UTC) - timedelta(days=days_ago)


def day(days_ago: int) -> str:
    return midnight(days_ago).date().isoformat()


# The dataset: each question is asked at a known time, and reaches each step a
# known number of hours later.
ASKED = midnight(30) + timedelta(hours=9)  # due 16 days ago


@dataclass(frozen=True)
class Ask:
    space: str
    ack: float | None = None  # hours from asked to acknowledged
    answer: float | None = None  # hours from asked to answered (acknowledged then too)
    status: str | None = None  # by default where the steps leave it
    asked: datetime = ASKED


DATASET = [
    # Seoul: A1 and A2 public, AP private (its figures stay out of Seoul's).
    Ask("A1", ack=1, answer=2),
    Ask("A1", ack=3, answer=10, status="done"),
    Ask("A1", ack=5),  # acknowledged, never answered: overdue
    Ask("A1"),  # open: overdue
    Ask("A2", answer=30, status="in_progress"),
    Ask("A2", ack=24, answer=400, status="done"),  # answered after its target
    Ask("A2", ack=2, status="declined"),
    Ask("AP", ack=1, answer=1),
    Ask("AP"),
    # Busan: 4 of 5 within target, median 6 h.
    Ask("B1", ack=1, answer=2),
    Ask("B1", ack=2, answer=4),
    Ask("B1", ack=3, answer=6),
    Ask("B1", ack=4, answer=8),
    Ask("B1", ack=250, answer=500, status="done"),
    Ask("B1", answer=1, asked=midnight(100) + timedelta(hours=9)),  # before the period
    # Daegu: 4 of 5 within target, median 6 h: tied with Busan.
    Ask("C1", answer=5),
    Ask("C1", answer=6),
    Ask("C1", answer=6),
    Ask("C1", answer=7),
    Ask("C1", asked=midnight(2)),  # open, due in 12 days: not overdue
    # Gwangju: 4 of 5 within target, median 8 h.
    Ask("E1", answer=8),
    Ask("E1", answer=8),
    Ask("E1", answer=8),
    Ask("E1", answer=9),
    Ask("E1", ack=1, status="declined"),
    # Ulsan: 2 questions, both within target (one answered the very second it was due).
    Ask("D1", answer=1),
    Ask("D1", answer=336),
]


def reference_percentile(values: list[float], p: float) -> float | None:
    """Linear interpolation between the closest ranks, written out plainly."""
    if not values:
        return None
    ordered = sorted(values)
    position = p * (len(ordered) - 1)
    below = math.floor(position)
    if below + 1 >= len(ordered):
        return ordered[below]
    return ordered[below] + (position - below) * (ordered[below + 1] - ordered[below])


def test_the_reference_percentile_is_linear_interpolation() -> None:
    assert reference_percentile([], 0.5) is None
    assert reference_percentile([7], 0.9) == 7
    assert reference_percentile([1, 2, 3, 5, 24, 30], 0.5) == 4  # (3 + 5) / 2
    assert reference_percentile([1, 2, 3, 5, 24, 30], 0.9) == 27  # 24 + 0.5 * 6
    assert reference_percentile([10, 2, 400, 30], 0.9) == pytest.approx(289)  # 30 + 0.7 * 370


@dataclass
class Network:
    seoul_admin: User
    member: User  # of Seoul's private space
    outsider: User
    orgs: dict[str, int]  # name -> id
    spaces: dict[str, int]  # "A1" ... -> id


async def _network(api: Api, ctx: Context) -> Network:
    build = Builder(api, tiers=tiers_in(ctx))
    seoul_admin = await api.user("Seoul Admin")
    member = await api.user("Council Member")
    outsider = await api.user("Outsider")
    orgs: dict[str, int] = {}
    spaces: dict[str, int] = {}
    seoul = await build.org(seoul_admin, "Seoul", tier="plus")
    orgs["Seoul"] = seoul["id"]
    spaces["A1"] = (await build.space(seoul_admin, seoul["id"], name="Mobility"))["id"]
    spaces["A2"] = (await build.space(seoul_admin, seoul["id"], name="Housing"))["id"]
    spaces["AP"] = (await build.space(seoul_admin, seoul["id"], "private", name="Council",
                                      members=[member]))["id"]
    for name, key in (("Busan", "B1"), ("Daegu", "C1"), ("Gwangju", "E1"), ("Ulsan", "D1")):
        admin = await api.user(f"{name} Admin")
        org = await build.org(admin, name)
        orgs[name] = org["id"]
        spaces[key] = (await build.space(admin, org["id"], name="Civic"))["id"]
    await insert_questions(ctx, [(spaces[a.space], a) for a in DATASET], outsider.id)
    return Network(seoul_admin, member, outsider, orgs, spaces)


async def insert_questions(ctx: Context, asks: list[tuple[int, Ask]], asker: int) -> None:
    """The topics and their question rows, straight into the tables."""
    async with ctx.db.write() as tx:
        for n, (space_id, a) in enumerate(asks):
            topic_id = await tx.session.scalar(insert(Topic).values(
                space_id=space_id, author_id=asker, title=f"Question {n}", kind="question",
                created_at=a.asked, last_activity_at=a.asked).returning(Topic.id))
            answered = None if a.answer is None else a.asked + timedelta(hours=a.answer)
            acknowledged = (a.asked + timedelta(hours=a.ack) if a.ack is not None
                            else answered)
            status = a.status or ("answered" if answered else
                                  "acknowledged" if acknowledged else "open")
            space = await tx.session.get(Space, space_id)
            assert topic_id is not None and space is not None
            question = Question(
                topic_id=topic_id, space_id=space_id, org_id=space.org_id,
                public=space.visibility == "public", status=status,
                asked_by=asker, asked_at=a.asked, due_at=a.asked + TARGET,
                acknowledged_at=acknowledged, answered_at=answered)
            question.keep_durations()
            tx.session.add(question)


def figures(asked: int, acknowledged: int, answered: int, within: int, overdue: int, done: int,
            declined: int, ack: tuple[float | None, float | None],
            answer: tuple[float | None, float | None]) -> dict[str, Any]:
    return {"asked": asked, "acknowledged": acknowledged, "answered": answered,
            "answered_within_target": within, "overdue": overdue, "done": done,
            "declined": declined, "median_hours_to_acknowledge": ack[0],
            "p90_hours_to_acknowledge": ack[1], "median_hours_to_answer": answer[0],
            "p90_hours_to_answer": answer[1]}


def without(body: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in keys}


DEFAULT_PERIOD = {"from": day(89), "to": day(0)}

SEOUL = figures(7, 6, 4, 3, 2, 2, 1, ack=(4.0, 27.0), answer=(20.0, 289.0))
BUSAN = figures(5, 5, 5, 4, 0, 1, 0, ack=(3.0, 151.6), answer=(6.0, 303.2))
DAEGU = figures(5, 4, 4, 4, 0, 0, 0, ack=(6.0, 6.7), answer=(6.0, 6.7))
GWANGJU = figures(5, 5, 4, 4, 0, 0, 1, ack=(8.0, 8.6), answer=(8.0, 8.7))
ULSAN = figures(2, 2, 2, 2, 0, 0, 0, ack=(168.5, 302.5), answer=(168.5, 302.5))


async def test_a_space_report_counts_each_figure(api: Api, ctx: Context) -> None:
    net = await _network(api, ctx)
    body = await api.ok("GET", f"/spaces/{net.spaces['A1']}/responsiveness")
    assert body["period"] == DEFAULT_PERIOD
    # Acknowledged after 1, 3 and 5 h; answered after 2 and 10 h.
    assert without(body, "period") == figures(4, 3, 2, 2, 2, 1, 0, ack=(3.0, 4.6),
                                              answer=(6.0, 9.2))
    empty = await api.ok("GET", f"/spaces/{net.spaces['A1']}/responsiveness"
                         f"?from={day(10)}&to={day(5)}")
    assert without(empty, "period") == figures(0, 0, 0, 0, 0, 0, 0, ack=(None, None),
                                               answer=(None, None))


async def test_an_organization_report_counts_its_public_spaces(api: Api, ctx: Context) -> None:
    net = await _network(api, ctx)
    for reader in (None, net.seoul_admin, net.member):
        body = await api.ok("GET", f"/orgs/{net.orgs['Seoul']}/responsiveness", reader)
        assert body["period"] == DEFAULT_PERIOD
        assert without(body, "period") == SEOUL, reader
    busan = await api.ok("GET", f"/orgs/{net.orgs['Busan']}/responsiveness")
    assert without(busan, "period") == BUSAN  # the question of 100 days ago is not in it
    missing = await api.call("GET", "/orgs/999999/responsiveness")
    assert missing.status_code == 404


async def test_a_private_space_report_is_for_those_who_may_read_the_space(
        api: Api, ctx: Context) -> None:
    net = await _network(api, ctx)
    path = f"/spaces/{net.spaces['AP']}/responsiveness"
    for reader in (None, net.outsider):
        refused = await api.call("GET", path, reader)
        assert refused.status_code == 404, refused.text
        assert refused.json()["error"]["code"] == "not_found"
    for reader in (net.member, net.seoul_admin):
        body = await api.ok("GET", path, reader)
        assert without(body, "period") == figures(2, 1, 1, 1, 1, 0, 0, ack=(1.0, 1.0),
                                                  answer=(1.0, 1.0))
    assert (await api.call("GET", "/spaces/999999/responsiveness")).status_code == 404


async def test_the_network_ranks_organizations(api: Api, ctx: Context) -> None:
    net = await _network(api, ctx)
    body = await api.ok("GET", "/responsiveness")
    assert body["period"] == DEFAULT_PERIOD
    lines = [(o["org"]["name"], o["rank"]) for o in body["orgs"]]
    # Busan and Daegu: 4 of 5 within target, median 6 h each: one rank, by name.
    # Gwangju: 4 of 5, but 8 h. Seoul: 3 of 7. Ulsan: every answer in time, but
    # 2 questions: listed, unranked, last.
    assert lines == [("Busan", 1), ("Daegu", 1), ("Gwangju", 3), ("Seoul", 4), ("Ulsan", None)]
    by_name = {o["org"]["name"]: o for o in body["orgs"]}
    for name, expected in (("Seoul", SEOUL), ("Busan", BUSAN), ("Daegu", DAEGU),
                           ("Gwangju", GWANGJU), ("Ulsan", ULSAN)):
        line = by_name[name]
        assert line["org"] == {"id": net.orgs[name], "name": name, "country": "Korea"}
        assert without(line, "org", "rank") == expected, name

    # The totals: every public question of the period, its percentiles over all of them.
    public = [a for a in DATASET if a.space != "AP" and a.asked > midnight(89)]
    acks = [a.ack if a.ack is not None else a.answer for a in public]
    answers = [a.answer for a in public if a.answer is not None]
    hours = [h for h in acks if h is not None]
    expected_totals = {key: sum(o[key] for o in (SEOUL, BUSAN, DAEGU, GWANGJU, ULSAN))
                       for key in ("asked", "acknowledged", "answered",
                                   "answered_within_target", "overdue", "done", "declined")}
    assert expected_totals["asked"] == len(public) == 24
    totals = without(body, "period", "orgs")
    assert {k: totals[k] for k in expected_totals} == expected_totals
    for key, values, p in (("median_hours_to_acknowledge", hours, 0.5),
                           ("p90_hours_to_acknowledge", hours, 0.9),
                           ("median_hours_to_answer", answers, 0.5),
                           ("p90_hours_to_answer", answers, 0.9)):
        want = reference_percentile(values, p)
        assert want is not None
        assert totals[key] == round(want, 3), key


async def test_the_period_takes_whole_utc_days(api: Api, ctx: Context) -> None:
    net = await _network(api, ctx)
    busan = net.orgs["Busan"]
    old = await api.ok("GET", f"/orgs/{busan}/responsiveness?from={day(100)}&to={day(100)}")
    assert old["period"] == {"from": day(100), "to": day(100)}
    assert (old["asked"], old["answered"], old["median_hours_to_answer"]) == (1, 1, 1.0)
    # `to` alone: the 90 days ending then; `from` alone: from then to today.
    ending = await api.ok("GET", f"/orgs/{busan}/responsiveness?to={day(95)}")
    assert ending["period"] == {"from": day(95 + 89), "to": day(95)}
    assert ending["asked"] == 1
    since = await api.ok("GET", f"/orgs/{busan}/responsiveness?from={day(100)}")
    assert since["period"] == {"from": day(100), "to": day(0)} and since["asked"] == 6
    # The first and last instants of a day are in it; the next day's first is not.
    space = net.spaces["C1"]
    edges = [midnight(40), midnight(40) + timedelta(hours=23, minutes=59, seconds=59),
             midnight(39)]
    await insert_questions(ctx, [(space, Ask("C1", asked=t)) for t in edges], net.outsider.id)
    one_day = await api.ok("GET", f"/spaces/{space}/responsiveness?from={day(40)}&to={day(40)}")
    assert (one_day["asked"], one_day["overdue"]) == (2, 2)
    network = await api.ok("GET", f"/responsiveness?from={day(40)}&to={day(39)}")
    assert [(o["org"]["name"], o["asked"], o["rank"]) for o in network["orgs"]] == [
        ("Daegu", 3, None)]
    assert network["asked"] == 3


@pytest.mark.parametrize("query", [
    "from=2027-02-30", "to=2027-13-01", "from=yesterday", "from=2027-1-1",
    "from=0999-12-31", "to=2027-03-01T00:00:00Z", "from=2027-03-02&to=2027-03-01",
])
async def test_bad_dates_are_refused(api: Api, query: str) -> None:
    w = await api.world()
    for path in (f"/spaces/{w['space']['id']}/responsiveness",
                 f"/orgs/{w['org']['id']}/responsiveness", "/responsiveness"):
        r = await api.call("GET", f"{path}?{query}")
        assert r.status_code == 422, (path, query, r.text)
        assert set(r.json()["error"]["fields"]) <= {"from", "to"}


@pytest.mark.parametrize("grouping", ["space", "organization"])
async def test_percentiles_in_the_database_are_linear_interpolation(
        ctx: Context, grouping: str) -> None:
    """Groups of 1 to 12 durations (whole seconds, in any order) on either database:
    the median and p90 of each, and of all together, are those of the reference,
    to the millisecond. Grouped by space (SQLite numbers the durations) or by
    organization (SQLite walks the ordered indexes); questions of a private space
    and questions asked before the period count in neither."""
    rng = random.Random(14)
    now = utcnow()
    since = now - timedelta(days=30)
    async with ctx.db.write() as tx:
        user = await tx.session.scalar(insert(Account).values(
            email="asker@example.org", password_hash="-", display_name="Asker", handle="asker",
            stakeholder_type="citizen", is_platform_admin=False).returning(Account.id))
        assert user is not None

        async def organization(name: str) -> int:
            org = await tx.session.scalar(insert(Organization).values(
                name=name, kind="local_government", country="Korea",
                created_by=user).returning(Organization.id))
            assert org is not None
            return int(org)

        async def ask(org: int, space: int, public: bool, seconds: float,
                      asked: datetime) -> None:
            topic = await tx.session.scalar(insert(Topic).values(
                space_id=space, author_id=user, title="Q", kind="question",
                created_at=asked, last_activity_at=asked).returning(Topic.id))
            assert topic is not None
            question = Question(
                topic_id=topic, space_id=space, org_id=org, public=public, asked_by=user,
                asked_at=asked, due_at=asked + TARGET, status="answered",
                acknowledged_at=asked + timedelta(seconds=seconds / 2),
                answered_at=asked + timedelta(seconds=seconds))
            question.keep_durations()
            tx.session.add(question)

        shared = await organization("Percentile City")
        groups: dict[int, list[float]] = {}
        for size in range(1, 13):
            org = shared if grouping == "space" else await organization(f"City {size}")
            for visibility in ("public", "private"):
                space = await tx.session.scalar(insert(Space).values(
                    org_id=org, name=f"Space {size}", visibility=visibility)
                    .returning(Space.id))
                assert space is not None
                values = [float(rng.randint(1, 10**6)) for _ in range(size)]
                if visibility == "public":
                    groups[space if grouping == "space" else org] = values
                for seconds in values:
                    await ask(org, space, visibility == "public", seconds,
                              now - timedelta(days=20, seconds=rng.randint(0, 10**5)))
                # Asked before the period: the shortest and longest of all, so a
                # walk that counted it would move every percentile.
                for seconds in (0.5, 2e6):
                    await ask(org, space, visibility == "public", seconds,
                              since - timedelta(hours=1))
    async with ctx.db.read() as session:
        if grouping == "space":
            found = await responsiveness.figures(
                session, and_(Space.org_id == shared, Space.visibility == "public"),
                since=since, until=now, now=now, by=Question.space_id)
        else:
            found = await responsiveness.figures(
                session, Question.public == true(), since=since, until=now, now=now,
                by=Question.org_id)
    assert set(found) == {*groups, None}  # each group, and all of them together
    everything = [v for values in groups.values() for v in values]
    for key, values in [*groups.items(), (None, everything)]:
        got = found[key]
        assert got.asked == got.answered == got.answered_within_target == len(values)
        assert got.median_seconds_to_answer == pytest.approx(
            reference_percentile(values, 0.5), abs=1e-3)
        assert got.p90_seconds_to_answer == pytest.approx(
            reference_percentile(values, 0.9), abs=1e-3)
        halved = [v / 2 for v in values]
        assert got.median_seconds_to_acknowledge == pytest.approx(
            reference_percentile(halved, 0.5), abs=1e-3)
        assert got.p90_seconds_to_acknowledge == pytest.approx(
            reference_percentile(halved, 0.9), abs=1e-3)


def _line(name: str, asked: int, within: int, median: float | None,
          org_id: int = 0) -> tuple[ReportOrg, Responsiveness]:
    return (ReportOrg(id=org_id, name=name, country="Korea"),
            Responsiveness(asked=asked, acknowledged=asked, answered=within,
                           answered_within_target=within, overdue=0, done=0, declined=0,
                           median_hours_to_acknowledge=median, p90_hours_to_acknowledge=median,
                           median_hours_to_answer=median, p90_hours_to_answer=median))


def test_the_ranking_rules() -> None:
    lines = [
        _line("Slow", 10, 5, 40.0),
        _line("Nobody answered", 6, 0, None),
        _line("Half, fast", 8, 4, 2.0),
        _line("Tiny but perfect", 4, 4, 1.0),
        _line("Also half, fast", 20, 10, 2.0),
        _line("All in time", 5, 5, 100.0),
        _line("Empty-handed", 1, 0, None),
        _line("Another half", 6, 3, 2.0),
    ]
    ranked = [(o.org.name, o.rank) for o in report.ranked(lines)]
    assert ranked == [
        ("All in time", 1),  # the share first, however slow
        ("Also half, fast", 2), ("Another half", 2), ("Half, fast", 2),  # 1/2 and 2 h
        ("Slow", 5),
        ("Nobody answered", 6),
        # Fewer than 5 questions: in the same order, without a rank.
        ("Tiny but perfect", None), ("Empty-handed", None),
    ]
    assert Fraction(3, 6) == Fraction(10, 20)  # the shares compare exactly


def test_the_period_defaults_and_bounds() -> None:
    today = date(2027, 3, 1)
    assert report.period(None, None, today).model_dump(mode="json") == {
        "from": "2026-12-02", "to": "2027-03-01"}
    assert report.period(None, date(2027, 1, 31), today).from_ == date(2026, 11, 3)
    assert report.period(date(2027, 3, 1), None, today).to == today
    with pytest.raises(Invalid):
        report.period(date(2027, 3, 2), None, today)


async def test_a_question_asked_and_answered_over_the_api_is_in_every_report(api: Api) -> None:
    w = await api.world()
    org, space = w["org"]["id"], w["space"]["id"]
    clerk = await api.user("Min-ji Clerk", "government")
    await api.ok("POST", f"/orgs/{org}/officials", w["admin"], {"user_id": clerk.id})
    paths = (f"/spaces/{space}/responsiveness", f"/orgs/{org}/responsiveness",
             "/responsiveness")

    topic = (await api.ok("POST", f"/spaces/{space}/topics", w["citizen"], {
        "title": "When is the bus stop fixed?", "body": "It has been broken for weeks.",
        "kind": "question"}))["topic"]
    for path in paths:
        body = await api.ok("GET", path)
        assert (body["asked"], body["acknowledged"], body["answered"], body["overdue"],
                body["median_hours_to_answer"]) == (1, 0, 0, 0, None), path

    await api.post(clerk, topic["id"], "Next Tuesday: the part has arrived.")
    question = (await api.ok("GET", f"/topics/{topic['id']}"))["topic"]["question"]
    assert question["status"] == "answered"
    for path in paths:
        body = await api.ok("GET", path)
        assert (body["asked"], body["acknowledged"], body["answered"],
                body["answered_within_target"], body["overdue"]) == (1, 1, 1, 1, 0), path
        # Answered within seconds: 0 hours to the thousandth (3.6 s).
        assert body["median_hours_to_answer"] == body["p90_hours_to_answer"] == 0.0, path
        assert body["median_hours_to_acknowledge"] == 0.0, path
    network = await api.ok("GET", "/responsiveness")
    assert [(o["org"]["id"], o["rank"], o["answered"]) for o in network["orgs"]] == [
        (org, None, 1)]


# --- the premium analytics' splits ------------------------------------------------------


async def _ask(api: Api, user: User, space_id: int, title: str) -> int:
    body = await api.ok("POST", f"/spaces/{space_id}/topics", user,
                        {"title": title, "body": "When?", "kind": "question"})
    return int(body["topic"]["id"])


async def _times(ctx: Context, topic_id: int, asked: datetime, ack: float | None,
                 answer: float | None) -> None:
    """Move a question's steps to known times (hours after `asked`)."""
    answered = None if answer is None else asked + timedelta(hours=answer)
    acknowledged = asked + timedelta(hours=ack) if ack is not None else answered
    async with ctx.db.write() as tx:
        question = await tx.session.get(Question, topic_id)
        assert question is not None
        question.asked_at, question.due_at = asked, asked + TARGET
        question.acknowledged_at, question.answered_at = acknowledged, answered
        question.keep_durations()


async def test_the_premium_analytics_split_the_figures_by_question_and_by_who_answered(
        api: Api, ctx: Context) -> None:
    build = Builder(api, tiers=tiers_in(ctx))
    admin = await api.user("Seoul Admin")
    org = (await build.org(admin, "Seoul", tier="premium"))["id"]
    space = (await build.space(admin, org, name="Mobility"))["id"]
    clerk = await api.user("Min-ji Clerk", "government")
    citizen = await api.user("Citizen")
    await api.ok("POST", f"/orgs/{org}/officials", admin, {"user_id": clerk.id})

    # The clerk's posts answer two (after 2 h, and after 400 h: late); the admin
    # marks a third answered (30 h); the clerk only acknowledges a fourth (1 h); a
    # fifth, answered by the clerk, was asked before the 30 days of the dashboard.
    fast, late, marked, waiting, old = [
        await _ask(api, citizen, space, title)
        for title in ("Bus stop", "Crossing", "Bins", "Lights", "Old question")]
    for topic_id in (fast, late, old):
        await api.post(clerk, topic_id, "Here is the answer.")
    await api.ok("POST", f"/topics/{marked}/status", admin, {"status": "answered"})
    await api.ok("POST", f"/topics/{waiting}/status", clerk, {"status": "acknowledged"})
    asked = midnight(20) + timedelta(hours=9)
    await _times(ctx, fast, asked, None, 2)
    await _times(ctx, late, asked, 24, 400)
    await _times(ctx, marked, asked, None, 30)
    await _times(ctx, waiting, asked, 1, None)
    await _times(ctx, old, midnight(40), None, 1)

    for path in (f"/orgs/{org}/analytics", f"/spaces/{space}/analytics"):
        body = await api.ok("GET", path, admin)
        topics = [(t["topic_id"], t["title"]) for t in body["responsiveness_by_topic"]]
        assert topics == [(waiting, "Lights"), (marked, "Bins"), (late, "Crossing"),
                          (fast, "Bus stop")]  # the newest first; not the old one
        by_topic = {t["topic_id"]: without(t, "topic_id", "title")
                    for t in body["responsiveness_by_topic"]}
        assert by_topic[fast] == figures(1, 1, 1, 1, 0, 0, 0, ack=(2.0, 2.0), answer=(2.0, 2.0))
        assert by_topic[late] == figures(1, 1, 1, 0, 0, 0, 0, ack=(24.0, 24.0),
                                         answer=(400.0, 400.0))
        assert by_topic[waiting] == figures(1, 1, 0, 0, 1, 0, 0, ack=(1.0, 1.0),
                                            answer=(None, None))

        people = body["responsiveness_by_official"]
        assert [(p["user"]["id"], p["official"]) for p in people] == [
            (clerk.id, True), (admin.id, False)]  # the most answers first
        assert people[0]["user"] == {"id": clerk.id, "display_name": "Min-ji Clerk",
                                     "handle": "min-ji-clerk", "stakeholder_type": "government"}
        # The clerk's two answers: after 2 and 400 hours, one of them in time.
        assert without(people[0], "user", "official") == figures(
            2, 2, 2, 1, 0, 0, 0, ack=(13.0, 21.8), answer=(201.0, 360.2))
        assert without(people[1], "user", "official") == figures(
            1, 1, 1, 1, 0, 0, 0, ack=(30.0, 30.0), answer=(30.0, 30.0))
