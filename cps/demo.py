"""`cps demo`: fill an empty database with member cities of the real network.

The cities, corporations and institutions come from WeGO's 2019 annual report
(`cps.seeds`); the conversations are scripted here from the report's themes.
Everything goes through the service layer, so the rules, the tree paths and
the live-event rows are exactly those of a real user's writes. Every demo
account shares one password, printed at the end and hashed once (argon2id
with the production profile costs a noticeable fraction of a second a hash).
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import random
import re
import secrets
import sys
import time
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from cps.broker.event import EventRecord
from cps.config import Settings
from cps.seeds import MEMBERS, OFFICES, THEMES, Member, Theme
from cps.services.accounts import identity, names
from cps.services.accounts.passwords import Passwords
from cps.services.accounts.views import StakeholderType, UserView
from cps.services.context import Actor, Context
from cps.services.discussion import posts, topics
from cps.services.discussion.views import PostView, ReactionKind
from cps.services.orgs import orgs, spaces
from cps.storage.database import Database
from cps.storage.models import Organization, Post, User
from cps.storage.throttle import LocalThrottle

DOMAIN = "cps.example"
MAX_DEPTH = 6


# --- the script ---------------------------------------------------------------


@dataclass(frozen=True)
class SpaceScript:
    name: str
    description: str
    topics: tuple[tuple[str, str], ...]  # (title, opening post); "{city}" is filled in
    points: tuple[str, ...]  # what people say in the threads


SCRIPTS: dict[str, SpaceScript] = {
    "mobility": SpaceScript(
        "Getting around", "Buses, bikes, parking and traffic in {city}.",
        (
            ("Smart parking sensors in central {city}",
             "The city wants to pilot sensors that show free parking spaces in an app, as "
             "WeGO's feasibility study did in Kampala and Bharatpur. **Where should the first "
             "sensors go, and should the data be open to everyone?**"),
            ("Protected bike lanes on the main avenues",
             "Cycling is growing but the main avenues feel dangerous. Which streets need a "
             "protected lane first?"),
            ("Night buses: which routes are missing?",
             "Shift workers tell us the last bus leaves too early. Tell us where you need "
             "to go after midnight."),
            ("Smart traffic lights at school crossings",
             "Adaptive signals could give children more time to cross. Is that worth the "
             "longer wait for cars?"),
        ),
        (
            "The market district is where people circle for twenty minutes looking for a space.",
            "Open parking data would let delivery firms plan their routes and avoid double "
            "parking.",
            "A painted line is not a bike lane; it needs a kerb or bollards to be safe.",
            "Counting trips before and after the pilot is the only way to know if it worked.",
            "Older residents depend on buses much more than on apps, so keep the paper "
            "timetables.",
            "The crossing near the primary school is the worst; drivers do not slow down.",
            "Could the sensors share poles with the street lights to keep the cost down?",
            "Night buses matter most for nurses and cleaners, who keep the city running.",
        ),
    ),
    "egov": SpaceScript(
        "City services online", "E-government, digital payments and open data in {city}.",
        (
            ("Paying city fees online",
             "Following the GovPay example from Jakarta, we plan to let residents pay "
             "permits and fees online. What must it do on day one?"),
            ("Which datasets should {city} open first?",
             "We are preparing an open data portal. Vote with your replies: budgets, "
             "transport, air quality, permits?"),
            ("One login for every city service",
             "Today each office has its own account and password. Should there be a single "
             "city login, and who should run it?"),
            ("Publishing the city budget as open data",
             "Every line of the budget, every quarter, in a format a spreadsheet can read. "
             "What would you do with it?"),
        ),
        (
            "Budgets first: people trust what they can check for themselves.",
            "Please publish data as CSV, not as scanned PDFs.",
            "A single login is convenient, but it also makes one password worth stealing.",
            "Small businesses lose a day every time they queue at the permit office.",
            "Whatever is built, it must work on a cheap phone with a weak connection.",
            "Our students could build apps on the portal if the data has a stable format.",
            "Receipts should arrive by email and SMS, and stay valid as proof of payment.",
            "An open data portal is only useful if someone keeps it up to date after launch.",
        ),
    ),
    "safety": SpaceScript(
        "Safe and resilient city", "Public safety, disaster risk and resilience in {city}.",
        (
            ("Flood warnings by text message",
             "After last season's floods, the city proposes warnings by SMS for each "
             "district. How early do you need to know?"),
            ("Street lighting in the old town",
             "Residents report dark streets near the old town. Help us map where lighting "
             "is missing."),
            ("A heatwave plan for older residents",
             "Heatwaves are getting longer. Which places could open as cool rooms, and "
             "who checks on neighbours who live alone?"),
            ("Cameras in public squares: safety and privacy",
             "Some ask for more cameras, others worry about privacy. What rules should "
             "apply to recordings?"),
        ),
        (
            "Warnings must come in every language spoken in the district, not only the "
            "official one.",
            "LED lights with motion sensors would pay for themselves within a few years.",
            "Libraries and community centres already have air conditioning and could be "
            "cool rooms.",
            "Recordings should be deleted after a fixed number of days unless a crime is "
            "reported.",
            "Neighbourhood volunteers know who lives alone; the city should work with them.",
            "The river gauge data exists already; it only needs to be connected to the "
            "warning system.",
            "Lighting alone does not make a street safe; people on the street do.",
            "An independent body, not the police alone, should audit how cameras are used.",
        ),
    ),
    "environment": SpaceScript(
        "Clean city", "Clean air, waste and water in {city}.",
        (
            ("Air quality sensors near schools",
             "Inspired by the Clean Air Summit in New Delhi, we want sensors near every "
             "school. Should readings be shown live at the school gate?"),
            ("Separating food waste at home",
             "Half of our household waste is organic. Would you separate it if collection "
             "were weekly and free?"),
            ("Rooftop solar on public buildings",
             "Schools, clinics and markets have large flat roofs. Which should get panels "
             "first?"),
            ("Fixing leaks in the water network",
             "A third of the treated water is lost to leaks. Should the city use smart "
             "meters to find them?"),
        ),
        (
            "Live readings at the school gate would change how parents drive in the morning.",
            "Collection must be reliable first; nobody separates waste that ends up in the "
            "same truck.",
            "Solar on clinics keeps vaccines cold during power cuts.",
            "Smart meters must not become a way to cut off poor households.",
            "Our lab can calibrate low-cost sensors against the reference station.",
            "Composting could create local jobs if the market buys the compost.",
            "Publish the leak map so residents can report the ones the meters miss.",
            "Trees along school streets do more for clean air than any sensor.",
        ),
    ),
    "public_spaces": SpaceScript(
        "Streets and squares", "Buildings, roads and public spaces in {city}.",
        (
            ("Turning the riverside into a park",
             "The old warehouses along the river are empty. Park, housing, or both?"),
            ("Pavements everyone can use",
             "Wheelchairs, prams and older people struggle with broken pavements. Share "
             "the worst spots."),
            ("What should happen to the empty market hall?",
             "The market hall has stood empty for three years. Ideas welcome, from "
             "everyone."),
            ("Reporting potholes and tracking repairs",
             "We are testing a map where anyone can report a pothole and follow its "
             "repair. What should it show?"),
        ),
        (
            "A park with some affordable housing would keep the riverside alive at night.",
            "The kerbs near the bus station are too high for a wheelchair.",
            "A food market with start-up stalls would bring people back to the hall.",
            "Show the date each report was made and the date it was fixed.",
            "Ask the people who live there before the architects draw anything.",
            "Shade and benches matter more than fountains in our climate.",
            "Local shops would gladly sponsor benches if the city allowed it.",
            "Temporary uses, like weekend markets, let us test ideas cheaply.",
        ),
    ),
    "economy": SpaceScript(
        "Innovation and jobs", "Startups, skills and the local economy in {city}.",
        (
            ("A test bed for urban startups",
             "Like the Citypreneurs challenge, the city could let startups test their "
             "solutions on real streets. What should the rules be?"),
            ("Free Wi-Fi in markets and squares",
             "Free Wi-Fi could help traders take digital payments. Who should pay for it?"),
            ("Digital skills for small shops",
             "Many shops still work only with cash and paper. What training would help "
             "most?"),
            ("Should the city buy from local startups?",
             "Public procurement is slow and favours big firms. Should some contracts be "
             "reserved for local companies?"),
        ),
        (
            "Pilots need a clear end date and a public report, successful or not.",
            "Free Wi-Fi should not mean free tracking of everyone who connects.",
            "Evening courses work better for shop owners than daytime ones.",
            "Startups need paying customers more than they need prizes.",
            "Our university runs a free clinic for small firms going online.",
            "Smaller contracts, split into lots, would let local firms bid.",
            "Every pilot should publish its data so the next team can build on it.",
            "Markets are where digital payments would reach the most people.",
        ),
    ),
    "people": SpaceScript(
        "Citizens first", "How a human-centred smart city listens to its residents.",
        (
            ("How should {city} ask residents before new technology?",
             "Before any new sensor, app or camera: how should residents be consulted, "
             "and who decides in the end?"),
            ("City services for people without smartphones",
             "Not everyone has a smartphone. How do we make sure digital services leave no "
             "one behind?"),
            ("A citizens' panel on the smart city plan",
             "We propose a panel of residents drawn by lot to review the smart city plan. "
             "Would you take part?"),
        ),
        (
            "A panel drawn by lot hears people who never come to public meetings.",
            "Every digital service needs a counter or a phone line as a fallback.",
            "Explain each project in plain words before asking for an opinion.",
            "Report back on what was done with the feedback, or people stop giving it.",
            "Young people will answer online; older people will come to the community centre.",
            "Pay panel members for their time, or only the comfortable can take part.",
            "Publish the plan in the languages people actually speak here.",
            "The smart city should be measured by how happy residents are, not by sensors.",
        ),
    ),
}

OPENERS: dict[str, tuple[str, ...]] = {  # by stakeholder type
    "citizen": (
        "I live near the centre of {city}.", "As a parent here:", "Speaking as a resident:",
        "I have lived in {city} all my life.", "",
    ),
    "business": (
        "I run a small shop in {city}.", "Speaking for our company:",
        "From the local business association:", "",
    ),
    "civil_society": (
        "Our neighbourhood association discussed this last week.", "From our NGO's experience:",
        "Our volunteers hear this often.", "",
    ),
    "academia": (
        "Our university team has looked at the data.", "From a research point of view:",
        "We studied similar pilots in other member cities.", "",
    ),
    "government": (
        "Thank you for raising this; the department is listening.",
        "From the city administration:", "A quick update from the city office:",
    ),
}

REPLIES = (
    "Good point, {name}.", "I see it differently, {name}.", "Building on what {name} said:",
    "Agreed.", "Not sure about that.", "Exactly this.", "One more thing:", "",
)

COMMITMENTS = (
    "We will publish the pilot's results in this space.",
    "We will bring this to the next council meeting.",
    "The department will answer in this thread within two weeks.",
)

REACTIONS: tuple[ReactionKind, ...] = (
    "like", "like", "like", "agree", "agree", "insightful", "thanks", "thanks", "disagree",
)

FIRST_NAMES = (
    "Amina", "Carlos", "Mei", "Tomas", "Priya", "Kwame", "Olena", "Farid", "Lucia", "Jae-won",
    "Nadia", "Omar", "Sofia", "Tendai", "Hana", "Diego", "Aylin", "Ibrahim", "Ana", "Ravi",
    "Zanele", "Yusuf", "Elif", "Marco", "Chloe", "Bilal", "Ines", "Kenji", "Grace", "Tariq",
)

# (email name, display name, stakeholder type, what the account can do)
NAMED: tuple[tuple[str, str, StakeholderType, str], ...] = (
    ("demo-moderator", "Demo Moderator", "government", "moderates every city's spaces"),
    ("demo-citizen", "Demo Citizen", "citizen", "a participant"),
    ("demo-business", "Demo Business", "business", "a participant"),
    ("demo-ngo", "Demo NGO", "civil_society", "a participant"),
    ("demo-researcher", "Demo Researcher", "academia", "a participant"),
)

# The roles of each organization's own people: (email role, stakeholder type).
CITY_PEOPLE: tuple[tuple[str, StakeholderType], ...] = (
    ("official", "government"), ("citizen", "citizen"), ("neighbour", "citizen"),
    ("business", "business"), ("ngo", "civil_society"), ("researcher", "academia"),
)
PARTNER_PEOPLE: dict[str, tuple[tuple[str, StakeholderType], ...]] = {
    "corporation": (("team", "business"), ("engineer", "business")),
    "institution": (("team", "academia"), ("fellow", "civil_society")),
}


# --- running it ---------------------------------------------------------------


class _HashOnce(Passwords):
    """Hashes each distinct password once and hands out the same hash again."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings.passwords, 1)
        self._done: dict[str, str] = {}

    async def hash(self, password: str, *, signup: bool = False) -> str:
        if password not in self._done:
            self._done[password] = await super().hash(password)
        return self._done[password]


class _NoLive:
    """The demo runs without a broker: its events are stored, not published."""

    async def publish(self, event: EventRecord) -> None:
        return None


@dataclass
class Tally:
    spaces: int = 0
    topics: int = 0
    posts: int = 0
    reactions: int = 0

    def add(self, other: Tally) -> None:
        self.spaces += other.spaces
        self.topics += other.topics
        self.posts += other.posts
        self.reactions += other.reactions

    def line(self) -> str:
        return (
            f"{_n(self.spaces, 'space')}, {_n(self.topics, 'topic')}, {_n(self.posts, 'post')}"
        )


@dataclass
class Person:
    actor: Actor
    email: str


@dataclass
class Run:
    ctx: Context
    password: str
    suffix: str
    people: int = 0
    emails: set[str] = field(default_factory=set)


def _n(count: int, noun: str, plural: str | None = None) -> str:
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "member"


def _actor(user: UserView) -> Actor:
    return Actor(
        id=user.id,
        display_name=user.display_name,
        stakeholder_type=user.stakeholder_type,
        is_platform_admin=user.is_platform_admin,
    )


def city_order(members: Sequence[Member] = MEMBERS) -> list[Member]:
    """Local governments, the secretariat and regional office cities first, then one
    city per region in turn (and one country per region in turn), so that any
    prefix of the list spans the network."""
    cities = [m for m in members if m.kind == "local_government"]
    first = [
        next(m for m in cities if m.name == office or m.name.startswith(office + " "))
        for office in OFFICES
    ]
    regions: dict[str, dict[str, list[Member]]] = {}
    for member in cities:
        if member not in first:
            regions.setdefault(member.region, {}).setdefault(member.country, []).append(member)
    rest = _round_robin([
        _round_robin([iter(members) for members in countries.values()])
        for countries in regions.values()
    ])
    return first + list(rest)


def _round_robin(iterators: list[Iterator[Member]]) -> Iterator[Member]:
    """One item of each iterator in turn, until all are exhausted."""
    while iterators:
        for iterator in list(iterators):
            member = next(iterator, None)
            if member is None:
                iterators.remove(iterator)
            else:
                yield member


def _pick(ordered: Sequence[Member], taken: frozenset[str], count: int) -> list[Member]:
    """The first `count` members not in the database yet (fewer when fewer are left:
    an organization may not take a name that looks like another's)."""
    return [m for m in ordered if not names.org_name_keys(m.name) & taken][:count]


async def _person(run: Run, local: str, display_name: str, kind: StakeholderType) -> Person:
    email = f"{local}{run.suffix}@{DOMAIN}"
    n = 2
    while email in run.emails:
        email, n = f"{local}-{n}{run.suffix}@{DOMAIN}", n + 1
    run.emails.add(email)
    user = await identity.register(
        run.ctx, email=email, password=run.password, display_name=display_name,
        stakeholder_type=kind,
    )
    run.people += 1
    return Person(_actor(user), email)


def _person_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice('ABCDEFGHIJKLMNOPRSTUVWYZ')}."


def _reply_body(
    rng: random.Random, script: SpaceScript, city: str, author: Person, parent: Person
) -> str:
    kind = author.actor.stakeholder_type
    opener = rng.choice(OPENERS[kind]).format(city=city)
    name = parent.actor.display_name.split(",")[0]
    lead = rng.choice(REPLIES).format(name=name) if rng.random() < 0.6 else ""
    if rng.random() < 0.15:
        first, second = rng.sample(script.points, 2)
        return f"{' '.join(filter(None, (lead, opener)))}\n\n- {first}\n- {second}".strip()
    text = " ".join(filter(None, (lead, opener, rng.choice(script.points))))
    if kind == "government" and rng.random() < 0.5:
        text += f" **{rng.choice(COMMITMENTS)}**"
    return text


async def _thread(
    run: Run, rng: random.Random, topic_id: int, opening: PostView, opener: Person,
    people: Sequence[Person], script: SpaceScript, city: str, tally: Tally,
) -> None:
    """Replies under the opening post: first a chain three deep, then anywhere."""
    written: list[tuple[PostView, Person]] = [(opening, opener)]
    for i in range(rng.randint(6, 14)):
        if i < 3:
            parent, parent_author = written[-1]
        else:
            choices = [w for w in written if w[0].depth < MAX_DEPTH]
            parent, parent_author = rng.choice(choices[-6:] if rng.random() < 0.6 else choices)
        author = rng.choice([p for p in people if p is not parent_author])
        body = _reply_body(rng, script, city, author, parent_author)
        post, _ = await posts.create_post(
            run.ctx, author.actor, topic_id, body=body, parent_id=parent.id
        )
        written.append((post, author))
    tally.posts += len(written)
    for post, author in written:
        others = [p for p in people if p is not author]
        for reactor in rng.sample(others, min(len(others), rng.choice((0, 0, 0, 1, 1, 2, 3)))):
            await posts.set_reaction(
                run.ctx, reactor.actor, post.id, kind=rng.choice(REACTIONS), on=True
            )
            tally.reactions += 1


async def _space(
    run: Run, rng: random.Random, admin: Person, people: Sequence[Person], org_id: int,
    theme: Theme, city: str, topic_count: int, moderator: Person | None, pin_first: bool,
) -> Tally:
    script = SCRIPTS[theme.key]
    tally = Tally(spaces=1)
    space = await spaces.create_space(
        run.ctx, admin.actor, org_id, name=script.name,
        description=f"{theme.subject}. {script.description.format(city=city)}",
        visibility="public",
    )
    if moderator is not None:
        await spaces.add_moderator(run.ctx, admin.actor, space.id, moderator.actor.id)
    for title, body in rng.sample(script.topics, min(topic_count, len(script.topics))):
        opener = admin if rng.random() < 0.5 else rng.choice(people)
        topic = await topics.create_topic(
            run.ctx, opener.actor, space.id, title=title.format(city=city),
            body=body.format(city=city),
        )
        page = await posts.list_posts(run.ctx, opener.actor, topic.id, cursor=None, limit=1)
        if pin_first and not tally.topics:
            await topics.update_topic(run.ctx, admin.actor, topic.id, pinned=True)
        tally.topics += 1
        await _thread(run, rng, topic.id, page.items[0], opener, people, script, city, tally)
    return tally


async def _member(
    run: Run, member: Member, crew: Sequence[Person], *, spaces_range: tuple[int, int],
    topics_range: tuple[int, int], moderator: Person | None, secretariat: Actor,
) -> Tally:
    """One organization with its people, spaces, topics and threads, verified by the
    platform (the members of the report are the real network)."""
    rng = random.Random(f"{member.name}|{member.country}")
    slug = _slug(member.name)
    roles = CITY_PEOPLE if member.kind == "local_government" else PARTNER_PEOPLE[member.kind]
    own = []
    for role, kind in roles:
        name = _person_name(rng)
        if role == "official":
            name = f"{name}, {member.name} administration"
        elif role == "team":
            name = f"{member.name} team"
        own.append(await _person(run, f"{slug}.{role}", name[:80], kind))
    admin, people = own[0], [*own, *crew]
    org = await orgs.create_org(
        run.ctx, admin.actor, name=member.name, kind=member.kind, country=member.country,
        region=member.region,
    )
    await orgs.set_verified(run.ctx, secretariat, org.id, verified=True)
    tally = Tally()
    themes = rng.sample(THEMES, rng.randint(*spaces_range))
    for i, theme in enumerate(themes):
        tally.add(await _space(
            run, rng, admin, people, org.id, theme, member.name,
            rng.randint(*topics_range), moderator, pin_first=i == 0,
        ))
    return tally


async def _contents(db: Database) -> tuple[int, int]:
    """How many organizations and posts there are: a platform admin made with
    `cps create-admin` alone does not make a database "not empty"."""
    async with db.read() as session:
        orgs_n = await session.scalar(select(func.count()).select_from(Organization))
        posts_n = await session.scalar(select(func.count()).select_from(Post))
    return int(orgs_n or 0), int(posts_n or 0)


async def _suffix(db: Database) -> str:
    """"" on the first run, "-2", "-3"... on forced runs after it, for fresh emails."""
    async with db.read() as session:
        taken = set(
            (await session.scalars(
                select(User.email).where(User.email.like(f"demo-moderator%@{DOMAIN}"))
            )).all()
        )
    for n in itertools.count(1):
        suffix = "" if n == 1 else f"-{n}"
        if f"demo-moderator{suffix}@{DOMAIN}" not in taken:
            return suffix
    raise AssertionError("unreachable")


async def _taken(db: Database) -> frozenset[str]:
    """The name keys of the organizations already there (names.org_name_keys)."""
    async with db.read() as session:
        rows = (await session.scalars(select(Organization.name))).all()
    return frozenset(key for name in rows for key in names.org_name_keys(name))


def _say(line: str = "") -> None:
    print(line, flush=True)


@contextmanager
def _quiet(*names: str) -> Iterator[None]:
    """Keep the services' info logs (one per post) out of the progress lines."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


async def run_demo(
    settings: Settings, *, force: bool = False, cities: int = 12, partners: int = 4
) -> int:
    """Add `cities` member cities and `partners` corporations and institutions.
    Answers the exit code: 0 done, 1 refused (the database has content), 2 bad input."""
    city_list = city_order()
    if not 1 <= cities <= len(city_list):
        print(f"cps demo: --cities must be between 1 and {len(city_list)}", file=sys.stderr)
        return 2
    with _quiet("cps", "alembic"):
        return await _run(settings, force=force, cities=cities, partners=partners)


async def _run(settings: Settings, *, force: bool, cities: int, partners: int) -> int:
    from cps.storage.migrations import upgrade  # imports Alembic, which logs as it loads

    started = time.perf_counter()
    try:
        await upgrade(settings.database_url)
    except (OSError, SQLAlchemyError) as exc:
        print(f"cps demo: cannot reach the database: {exc}", file=sys.stderr)
        return 1
    # The demo writes hundreds of posts as a handful of people: no posting limits.
    settings = dataclasses.replace(settings, rate_limits=False)
    db = Database(settings.database_url)
    try:
        organizations, post_count = await _contents(db)
        if (organizations or post_count) and not force:
            print(
                f"cps demo: the database is not empty ({_n(organizations, 'organization')}, "
                f"{_n(post_count, 'post')}); run `cps demo --force` to add the sample "
                "cities anyway",
                file=sys.stderr,
            )
            return 1
        ctx = Context(settings, db, _HashOnce(settings), LocalThrottle(), _NoLive())
        run = Run(ctx, password=secrets.token_urlsafe(9), suffix=await _suffix(db))
        return await _fill(run, city_order(), cities, partners, started)
    finally:
        await db.dispose()


async def _fill(
    run: Run, city_list: list[Member], cities: int, partners: int, started: float
) -> int:
    taken = await _taken(run.ctx.db)
    chosen = _pick(city_list, taken, cities)
    partner_list = _partners(taken, partners)
    if not chosen and not partner_list:
        print("cps demo: every member organization of the report is already here",
              file=sys.stderr)
        return 1
    _say(
        f"cps demo: {_n(len(chosen), 'member city', 'member cities')} and "
        f"{_n(len(partner_list), 'partner organization')} from WeGO's 2019 annual report"
    )
    admin, _ = await identity.create_admin(
        run.ctx, email=f"demo-admin{run.suffix}@{DOMAIN}", password=run.password
    )
    run.people += 1
    crew = [
        await _person(run, local, display, kind) for local, display, kind, _ in NAMED
    ]
    moderator = crew[0]
    secretariat = _actor(admin)
    total = Tally()
    for i, member in enumerate(chosen, 1):
        tally = await _member(
            run, member, crew, spaces_range=(1, 3), topics_range=(2, 4), moderator=moderator,
            secretariat=secretariat,
        )
        total.add(tally)
        _say(f"[{i}/{len(chosen)}] {member.name}, {member.country}: {tally.line()}")
    for i, member in enumerate(partner_list, 1):
        tally = await _member(
            run, member, crew, spaces_range=(1, 1), topics_range=(2, 2), moderator=None,
            secretariat=secretariat,
        )
        total.add(tally)
        kind = member.kind.replace("_", " ")
        _say(
            f"[partner {i}/{len(partner_list)}] {member.name}, {member.country} ({kind}): "
            f"{tally.line()}"
        )
    elapsed = time.perf_counter() - started
    _say(
        f"done in {elapsed:.1f} s: {_n(len(chosen) + len(partner_list), 'organization')}, "
        f"{total.line()}, {_n(total.reactions, 'reaction')}, {_n(run.people, 'account')}"
    )
    _say()
    _say(f"Sign in with these accounts; every demo account's password is: {run.password}")
    width = len(f"demo-moderator{run.suffix}@{DOMAIN}") + 2
    _say(f"  {admin.email:<{width}}platform admin (the secretariat)")
    for (_, _, kind, role), person in zip(NAMED, crew, strict=True):
        _say(f"  {person.email:<{width}}{kind.replace('_', ' ')}, {role}")
    _say(f"Each city's own people sign in the same way, e.g. {_example(chosen, run)}.")
    return 0


def _example(chosen: Iterable[Member], run: Run) -> str:
    first = next(iter(chosen))
    return f"{_slug(first.name)}.official{run.suffix}@{DOMAIN} (its organization's admin)"


def _partners(taken: frozenset[str], count: int) -> list[Member]:
    """Corporations and institutions from "New Members & Partners", alternating."""
    corporations = [m for m in MEMBERS if m.kind == "corporation"]
    institutions = [m for m in MEMBERS if m.kind == "institution"]
    alternating = [m for pair in zip(corporations, institutions, strict=False) for m in pair]
    return _pick(alternating, taken, count)
