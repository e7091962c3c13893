"""`cps demo`: fill an empty database with member cities of the real network.

The cities, corporations and institutions come from WeGO's 2019 annual report
(`cps.seeds`); the conversations are scripted here from the report's themes.
Each city also names its officials and is asked questions, which they answer
fast, late or never as the city's profile says (`PROFILES`), so that the
network's responsiveness report ranks cities with real differences.
Everything goes through the service layer, so the rules, the tree paths and
the live-event rows are exactly those of a real user's writes; the one
exception is demo-only: the questions' times are then moved back over the last
four months (`_backdate`), since the services stamp every write with the clock.
Every demo account shares one password, printed at the end and hashed once
(argon2id with the production profile costs a noticeable fraction of a second
a hash).
"""

from __future__ import annotations

import asyncio
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
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from cps.broker.event import EventRecord
from cps.config import Settings
from cps.seeds import (
    LOCAL_LANGUAGES,
    LOCAL_THREADS,
    MEMBERS,
    OFFICES,
    THEMES,
    LocalThread,
    Member,
    Theme,
)
from cps.services.accounts import identity, names
from cps.services.accounts.passwords import Passwords
from cps.services.accounts.views import StakeholderType, UserView
from cps.services.consensus import recompute, rounds, votes
from cps.services.consensus.views import VoteChoice
from cps.services.context import Actor, Context
from cps.services.discussion import posts, questions, topics
from cps.services.discussion.views import PostView, QuestionStatus, ReactionKind
from cps.services.officials import appointments
from cps.services.orgs import orgs, spaces
from cps.services.upgrades import requests as upgrades
from cps.storage.accountability import Question, QuestionChange, TopicParticipant
from cps.storage.database import Database
from cps.storage.models import Organization, Post, Topic, User
from cps.storage.throttle import LocalThrottle
from cps.storage.types import utcnow

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
        "Citizens first", "How {city} listens to its residents, as a human-centred smart city.",
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


# --- questions to the cities (issue 14) ---------------------------------------
#
# Each member city names its officials, and its people ask it questions that the
# officials answer on a schedule: a profile per city, handed out by the city's
# place in the run (`PROFILES[i % len(PROFILES)]`), so that the network's
# responsiveness report (GET /responsiveness) has cities that answer within hours,
# within days, late, and never, and one with too few questions to be ranked. The
# questions and their times are invented for the demo, like the threads: they say
# nothing about how the real city answers.


@dataclass(frozen=True)
class QuestionScript:
    theme: str  # a THEMES key: asked in the city's space of that theme, if it has one
    title: str
    body: str
    answer: str  # what the official answers (or, for the declined one, why not)


QUESTIONS: tuple[QuestionScript, ...] = (
    QuestionScript(
        "mobility", "When will bus route 12 run on Sundays again?",
        "Since the timetable change in spring there is no Sunday service on route 12, and "
        "the hospital is on that route. Is it coming back?",
        "Route 12 returns to a Sunday timetable from the first of next month: every 20 "
        "minutes from 7:00 to 22:00, with the hospital stop served both ways."),
    QuestionScript(
        "mobility", "Why was the bus stop on Market Street moved?",
        "The stop outside the pharmacy disappeared overnight, and the new one is 300 m away "
        "up a hill. Is it permanent?",
        "It is temporary: the water main under the old stop is being replaced. The stop goes "
        "back when the works end, planned in six weeks, and the temporary stop gets a "
        "shelter this week."),
    QuestionScript(
        "mobility", "A pedestrian crossing outside the new health centre?",
        "Patients cross four lanes of traffic to reach the new health centre from the bus "
        "stop. Can the city put in a crossing?",
        "Our traffic engineers counted people crossing there last week: over 900 a day. A "
        "signalled crossing is in next year's road programme, and a temporary refuge island "
        "goes in this month."),
    QuestionScript(
        "safety", "Street lights out on the riverside path for three weeks",
        "The lights between the footbridge and the boat club have been off for three weeks, "
        "and people walk home there in the dark. Who fixes them, and when?",
        "A damaged underground cable caused it. The contractor replaces the cable on "
        "Thursday and the lights are back that night; we asked them to check the rest of "
        "the path too."),
    QuestionScript(
        "safety", "Who clears the storm drains before the rainy season?",
        "Every year the drains in our street are full of leaves when the first storm comes. "
        "Is there a cleaning schedule?",
        "The drainage unit cleans every drain in the flood-risk streets twice a year, before "
        "the rainy season and after leaf fall. Your street is in the next round, which starts "
        "on Monday, and blocked drains can be reported here at any time."),
    QuestionScript(
        "safety", "Our street floods whenever it rains hard: what is the plan?",
        "Lower Mill Road was under water three times this year, and sandbags are all we "
        "have. Is anything planned?",
        "The street lies below the old culvert, which is too small. A larger culvert is "
        "designed and funded for the dry season; until then the flood team puts out a pump "
        "and barriers whenever a heavy-rain warning is issued."),
    QuestionScript(
        "environment", "Recycling collection skipped twice this month",
        "The blue bins on our block were not emptied on the last two collection days. Has "
        "the schedule changed?",
        "It has not: a new driver missed your block, and the route is corrected. A crew "
        "empties the bins tomorrow morning; we apologise for the mess."),
    QuestionScript(
        "environment", "Can the city plant trees along our school street?",
        "The street outside the primary school has no shade at all, and the children wait "
        "outside in the sun. Could trees be planted there?",
        "Yes: the school street is on this year's planting list. Twelve trees go in during "
        "the planting season, and the parents' association is invited to choose the species "
        "with the parks team."),
    QuestionScript(
        "public_spaces", "Winter opening hours of the central park",
        "The gates of the central park were locked at 18:00 last week. What are the hours "
        "now, and where are they posted?",
        "From November to February the park is open from 6:00 to 20:00. Closing at 18:00 was "
        "the gate contractor's mistake, and they have been reminded; the hours are now on "
        "every gate and on the city's website."),
    QuestionScript(
        "public_spaces", "Who repairs the broken swings at the Hill Road playground?",
        "Two swings have been tied up with tape for a month. Is a repair planned?",
        "The parks team has ordered new seats and chains, fitted on Wednesday. Until then "
        "the frame stays closed off for safety."),
    QuestionScript(
        "public_spaces", "Can neighbourhood groups use the community hall for free?",
        "Our residents' group meets once a month, and the hall fee is more than our whole "
        "budget. Is there a rate for non-profit groups?",
        "Registered neighbourhood and non-profit groups may book the hall free of charge for "
        "up to two evenings a month; the form is at the front desk and online."),
    QuestionScript(
        "egov", "How long does a permit for a small home extension take?",
        "I applied for a permit for a small extension in spring and have heard nothing "
        "since. What is the normal waiting time?",
        "A complete application takes six weeks on average today. Yours was waiting for a "
        "drawing the office asked for by post; the request has been sent again by email, and "
        "the permit office will call you this week."),
    QuestionScript(
        "egov", "Can I renew a street trading licence online?",
        "Renewing my stall licence costs me half a day in the queue at the city office. Is "
        "there an online form?",
        "Since this month, yes: sign in on the city portal with your trader number, pay by "
        "card or mobile money, and the licence arrives by email."),
    QuestionScript(
        "egov", "Where can we see how the participatory budget was spent?",
        "Last year residents voted for projects in the participatory budget. Is there a list "
        "of what was built and what it cost?",
        "The list is on the open data portal: each project, its budget, what was spent and "
        "where it stands. It is updated every quarter."),
    QuestionScript(
        "economy", "Is there help for market traders to accept card payments?",
        "Customers ask to pay by card or phone, but a terminal is expensive for a small "
        "stall. Does the city help?",
        "The small business fund pays half the cost of a terminal for registered traders, "
        "and the market office runs a free two-hour course on digital payments every month."),
    QuestionScript(
        "economy", "Which permits does a weekend street market need?",
        "Our neighbourhood association would like to hold a small market on Saturdays. "
        "Which permits do we need?",
        "One permit covers it: a temporary event permit for the street, from the events "
        "office, at least 30 days ahead. Food stalls also need a hygiene check; the office "
        "will walk you through both."),
    QuestionScript(
        "people", "Will council meetings be streamed online?",
        "Many of us work while the council meets. Could the meetings be streamed and "
        "recorded?",
        "From next month every council meeting is streamed live on the city's website, and "
        "the recordings stay online beside the minutes."),
    QuestionScript(
        "people", "Can city notices be published in the languages spoken here?",
        "Many residents do not read the official language well, and notices about works "
        "and closures reach them too late.",
        "Notices about works, closures and emergencies will be published in the four most "
        "spoken languages of each district from next month. Tell us here if a district "
        "needs another."),
)

# The question a city declines: `answer` is the reason it gives.
DECLINED = QuestionScript(
    "mobility", "Can the city ban e-scooters from the pavements?",
    "Rental scooters ride and park on the pavements, and older people are afraid to walk "
    "there. Can the city ban them?",
    "Where e-scooters may ride is set by national traffic law, which the city cannot "
    "change. We have sent the question to the ministry, and we keep enforcing the parking "
    "rules that are ours to enforce.",
)

VOICES: dict[str, tuple[str, ...]] = {  # what others add to a question, by stakeholder type
    "citizen": (
        "Same here: it has been like this for weeks.",
        "My neighbours ask the same thing; please answer here so that we all see it.",
        "This matters most for the older people on our street.",
    ),
    "business": (
        "Our customers mention this every day; it hurts trade on the street.",
        "The shops here would gladly help if the city asked us.",
    ),
    "civil_society": (
        "Our association has collected reports about this and will share them with the "
        "department.",
        "Please answer in plain words: many of our members will read this.",
    ),
    "academia": (
        "A student project of ours measured this last year; the data is yours if it helps.",
        "Please publish the figures behind the answer, so that others can check them.",
    ),
}
THANKS = (
    "Thank you, that is clear.", "Thanks for the quick answer.",
    "Thank you; we will watch for it.", "Good to know, thank you.",
)
NOTES: dict[QuestionStatus, tuple[str, ...]] = {  # what an official says with each step
    "acknowledged": (
        "Received: the department is looking into it.",
        "Passed to the office in charge; we will answer here.",
        "Thank you; we are checking the details with the team on site.",
    ),
    "in_progress": (
        "The work is scheduled; we will post here when it is finished.",
        "The team has started; follow the progress in this thread.",
    ),
    "done": ("Done. Thank you for raising it.", "Finished and checked on site."),
}

# A question's life after it is asked: (where it goes, hours after it was asked).
# "answered" is an official's post, which answers the question by itself; the
# other steps are the status changes officials make. Steps that would fall after
# now have not happened yet, and are left out.
Step = tuple[QuestionStatus, float]
DAY = 24.0
FATES: dict[str, tuple[Step, ...]] = {
    "fast": (("answered", 3),),
    "fast_done": (("answered", 5), ("in_progress", 30), ("done", 10 * DAY)),
    "ack_answer": (("acknowledged", 6), ("answered", 4 * DAY)),
    "in_progress": (("acknowledged", 10), ("answered", 2.5 * DAY), ("in_progress", 4 * DAY)),
    "late": (("acknowledged", 5 * DAY), ("answered", 20 * DAY)),
    "very_late": (("answered", 38 * DAY),),
    "ack_only": (("acknowledged", 3 * DAY),),
    "never": (),
    "declined": (("acknowledged", DAY), ("declined", 6 * DAY)),
}


@dataclass(frozen=True)
class Profile:
    """How a city answers: a label for the progress line, and its questions as
    (days ago asked, fate, how many others join in). The times span about four
    months, so the monthly chart has shape, and a ranked city has at least five
    questions in the report's default 90 days."""

    label: str
    questions: tuple[tuple[float, str, int], ...]


PROFILES: tuple[Profile, ...] = (
    Profile("answers within hours", (
        (121, "fast_done", 4), (104, "fast", 1), (83, "fast_done", 2), (66, "ack_answer", 3),
        (50, "fast", 0), (34, "in_progress", 4), (19, "fast_done", 2), (9, "fast", 1),
        (2, "fast", 0),
    )),
    Profile("answers within days", (
        (115, "ack_answer", 2), (97, "late", 1), (78, "ack_answer", 3), (58, "in_progress", 2),
        (41, "ack_answer", 4), (26, "late", 1), (12, "ack_answer", 0), (4, "ack_only", 1),
    )),
    Profile("answers late", (
        (119, "very_late", 1), (100, "late", 2), (76, "very_late", 0), (63, "late", 3),
        (45, "never", 0), (30, "very_late", 2), (22, "ack_only", 1), (10, "never", 1),
    )),
    Profile("answers some, declines one", (
        (110, "fast", 2), (88, "declined", 3), (71, "late", 1), (55, "fast_done", 4),
        (37, "ack_only", 2), (24, "ack_answer", 1), (14, "fast", 0), (6, "never", 0),
    )),
    Profile("leaves questions unanswered", (
        (117, "never", 0), (92, "very_late", 1), (69, "never", 2), (52, "never", 0),
        (33, "ack_only", 1), (20, "never", 3), (8, "never", 1),
    )),
    Profile("new to questions, not ranked yet", (
        (40, "fast", 2), (18, "ack_answer", 1), (3, "never", 0),
    )),
)


# The premium city's consensus round: a planted statement every group agrees with
# first, then statements that split the three opinion groups (1 agree, -1 disagree).
CONSENSUS_PROMPT = "What should {city} do first to make its streets work for everyone?"
CONSENSUS_STATEMENTS = (
    "Every bus stop should be lit and feel safe at night.",
    "The old town should be closed to cars.",
    "The city should build a car park under the market.",
    "Buses should be free for everyone.",
    "The road budget should go to protected bike lanes.",
    "Taxis should be allowed in the bus lanes.",
)
CONSENSUS_GROUPS = (
    (1, 1, -1, -1, 1, -1),
    (1, -1, 1, -1, -1, 1),
    (1, -1, -1, 1, -1, -1),
)
CONSENSUS_PEOPLE = 240
CONSENSUS_AT_ONCE = 8  # people voting at once (under the database's connection pool)
CONSENSUS_NOISE = 0.08  # the part of votes cast at random
_CHOICE: dict[int, VoteChoice] = {1: "agree", -1: "disagree", 0: "pass"}


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
    topics: int = 0  # discussions; questions are counted apart
    posts: int = 0
    reactions: int = 0
    questions: int = 0
    officials: int = 0

    def add(self, other: Tally) -> None:
        self.spaces += other.spaces
        self.topics += other.topics
        self.posts += other.posts
        self.reactions += other.reactions
        self.questions += other.questions
        self.officials += other.officials

    def line(self) -> str:
        asked = f", {_n(self.questions, 'question')}" if self.questions else ""
        return (
            f"{_n(self.spaces, 'space')}, {_n(self.topics, 'topic')}, "
            f"{_n(self.posts, 'post')}{asked}"
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
    titles: set[str] = field(default_factory=set)  # every topic title written so far


def _fresh_title(run: Run, title: str, city: str) -> str:
    """A title no other topic of this run has: the home page's "Latest activity" lists
    the topics of every member, where two "Pavements everyone can use" read as one
    topic shown twice. A title the script gives another member already is named
    after this one ("WeavAir: Pavements everyone can use")."""
    if title in run.titles:
        title = f"{city}: {title}"
    run.titles.add(title)
    return title


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
        handle=user.handle,
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
) -> tuple[Tally, int]:
    script = SCRIPTS[theme.key]
    tally = Tally(spaces=1)
    space = await spaces.create_space(
        run.ctx, admin.actor, org_id, name=script.name,
        description=script.description.format(city=city),
        visibility="public",
    )
    if moderator is not None:
        await spaces.add_moderator(run.ctx, admin.actor, space.id, moderator.actor.id)
    for title, body in rng.sample(script.topics, min(topic_count, len(script.topics))):
        opener = admin if rng.random() < 0.5 else rng.choice(people)
        topic = await topics.create_topic(
            run.ctx, opener.actor, space.id, title=_fresh_title(run, title.format(city=city), city),
            body=body.format(city=city),
        )
        page = await posts.list_posts(run.ctx, opener.actor, topic.id, cursor=None, limit=1)
        if pin_first and not tally.topics:
            await topics.update_topic(run.ctx, admin.actor, topic.id, pinned=True)
        tally.topics += 1
        await _thread(run, rng, topic.id, page.items[0], opener, people, script, city, tally)
    return tally, space.id


@dataclass
class Built:
    """An organization the demo made: what it holds, and who and where its
    questions are asked."""

    tally: Tally
    org_id: int
    own: list[Person]  # its own people, its admin (and official, for a city) first
    spaces: dict[str, int]  # space id by theme key


async def _member(
    run: Run, member: Member, crew: Sequence[Person], *, spaces_range: tuple[int, int],
    topics_range: tuple[int, int], moderator: Person | None, secretariat: Actor,
) -> Built:
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
    built = Built(Tally(), org.id, own, {})
    themes = rng.sample(THEMES, rng.randint(*spaces_range))
    for i, theme in enumerate(themes):
        tally, space_id = await _space(
            run, rng, admin, people, org.id, theme, member.name,
            rng.randint(*topics_range), moderator, pin_first=i == 0,
        )
        built.tally.add(tally)
        built.spaces[theme.key] = space_id
    language = LOCAL_LANGUAGES.get(member.country)
    if language is not None and built.spaces:
        built.tally.add(await _local_thread(run, member, own, next(iter(built.spaces.values())),
                                            LOCAL_THREADS[language]))
    return built


async def _local_thread(run: Run, member: Member, own: Sequence[Person], space_id: int,
                        thread: LocalThread) -> Tally:
    """A thread in the language of the member's country, by its own people (its
    official answers last); each post's language is detected as it is written."""
    title, body, replies = thread
    opener, *others = own
    topic = await topics.create_topic(run.ctx, others[0].actor if others else opener.actor,
                                      space_id,
                                      title=_fresh_title(run, title.format(city=member.name),
                                                         member.name),
                                      body=body.format(city=member.name))
    voices = [*others[1:], *others[:1]] or [opener]
    for i, reply in enumerate(replies):
        author = opener if i == len(replies) - 1 else voices[i % len(voices)]
        await posts.create_post(run.ctx, author.actor, topic.id, body=reply, parent_id=None)
    return Tally(topics=1, posts=1 + len(replies))


@dataclass
class Asked:
    """A question as its script says it happened: when it was asked, when each
    step of its life was taken, and who wrote each of its posts when."""

    topic_id: int
    asked_at: datetime
    steps: list[tuple[QuestionStatus, datetime]] = field(default_factory=list)
    posts: dict[int, tuple[int, datetime]] = field(default_factory=dict)  # id: (author, at)


async def _officials(run: Run, rng: random.Random, member: Member, built: Built,
                     count: int) -> list[Person]:
    """The city's officials: its admin (the `official` account, who already speaks
    for the administration in the threads) and, with `count` 2, an officer of the
    public works department."""
    admin = built.own[0]
    officials = [admin]
    if count > 1:
        name = f"{_person_name(rng)}, {member.name} public works"
        officials.append(await _person(run, f"{_slug(member.name)}.works", name[:80],
                                       "government"))
    for official in officials:
        await appointments.name_official(run.ctx, admin.actor, built.org_id, official.actor.id)
    return officials


async def _ask_space(run: Run, admin: Person, org_id: int, city: str,
                     moderator: Person | None) -> int:
    """The space for the city's questions that none of its themed spaces fits."""
    space = await spaces.create_space(
        run.ctx, admin.actor, org_id, name=f"Ask {city}",
        description=f"Questions to the {city} administration: its officials answer here, "
        "and the city aims to answer every question within 14 days.",
        visibility="public",
    )
    if moderator is not None:
        await spaces.add_moderator(run.ctx, admin.actor, space.id, moderator.actor.id)
    return space.id


def _voices(rng: random.Random, asker: Person, people: Sequence[Person],
            count: int) -> list[Person]:
    """`count` others who join in, of other stakeholder types than the asker's and
    each other's while there are such (so four voices and an official's answer
    make all five types), then anyone."""
    others = [p for p in people if p is not asker]
    kinds = [k for k in VOICES if k != asker.actor.stakeholder_type]
    rng.shuffle(kinds)
    chosen: list[Person] = []
    for kind in kinds[:count]:
        chosen.append(rng.choice([p for p in others if p.actor.stakeholder_type == kind]))
    while len(chosen) < count:
        chosen.append(rng.choice([p for p in others if p not in chosen]))
    return chosen


async def _question(
    run: Run, rng: random.Random, script: QuestionScript, space_id: int, asker: Person,
    voices: Sequence[Person], official: Person, fate: str, asked_at: datetime, now: datetime,
    city: str,
) -> Asked:
    """Ask one question and live its scripted life through the services, as the
    people would have. The services stamp each write now; `_backdate` moves the
    times to the script's."""
    scale = rng.uniform(0.8, 1.25)  # no two cities answer in exactly the same hours
    planned = [(status, asked_at + timedelta(hours=h * scale)) for status, h in FATES[fate]]
    happened = list(itertools.takewhile(lambda step: step[1] < now, planned))
    topic = await topics.create_topic(
        run.ctx, asker.actor, space_id, title=_fresh_title(run, script.title, city),
        body=script.body, kind="question",
    )
    page = await posts.list_posts(run.ctx, asker.actor, topic.id, cursor=None, limit=1)
    opening = page.items[0]
    asked = Asked(topic.id, asked_at, posts={opening.id: (asker.actor.id, asked_at)})
    # The others join before the first step (or over two days, if there is none).
    span = min(planned[0][1] - asked_at if planned else timedelta(days=2), timedelta(days=2))
    for k, voice in enumerate(voices):
        at = asked_at + span * (k + 1) / (len(voices) + 1)
        if at >= now:
            break
        post, _ = await posts.create_post(
            run.ctx, voice.actor, topic.id,
            body=rng.choice(VOICES[voice.actor.stakeholder_type]), parent_id=opening.id,
        )
        asked.posts[post.id] = (voice.actor.id, at)
    for status, at in happened:
        asked.steps.append((status, at))
        if status == "answered":  # the official's post answers the question by itself
            answer, _ = await posts.create_post(
                run.ctx, official.actor, topic.id, body=script.answer, parent_id=opening.id
            )
            asked.posts[answer.id] = (official.actor.id, at)
            thanked = at + timedelta(hours=2)
            if rng.random() < 0.5 and thanked < now:
                post, _ = await posts.create_post(
                    run.ctx, asker.actor, topic.id, body=rng.choice(THANKS),
                    parent_id=answer.id,
                )
                asked.posts[post.id] = (asker.actor.id, thanked)
        elif status == "declined":
            await questions.change_status(
                run.ctx, official.actor, topic.id, status="declined", reason=script.answer
            )
        else:
            await questions.change_status(
                run.ctx, official.actor, topic.id, status=status, note=rng.choice(NOTES[status])
            )
    return asked


async def _backdate(db: Database, questions_asked: Sequence[Asked]) -> None:
    """DEMO ONLY: move the questions' times from when the demo wrote them to when
    their script says they happened, so that the responsiveness reports and their
    monthly chart have months of history to show. The services stamp every write
    with the clock, as they must; nothing outside the demo ever rewrites these
    times. The questions' stamps follow the rules of questions._stamp."""
    async with db.write() as tx:
        for asked in questions_asked:
            await _backdate_one(tx.session, asked)


async def _backdate_one(session: AsyncSession, asked: Asked) -> None:
    question = await session.get(Question, asked.topic_id)
    assert question is not None
    target = question.due_at - question.asked_at  # the space's response target
    question.asked_at, question.due_at = asked.asked_at, asked.asked_at + target
    question.acknowledged_at = question.answered_at = question.closed_at = None
    for status, at in asked.steps:
        if status == "acknowledged":
            question.acknowledged_at = at
        elif status == "answered":
            question.answered_at = at
            question.acknowledged_at = question.acknowledged_at or at
        elif status in {"done", "declined"}:
            question.closed_at = at
    question.keep_durations()
    changes = (
        await session.scalars(
            select(QuestionChange)
            .where(QuestionChange.topic_id == asked.topic_id)
            .order_by(QuestionChange.id)
        )
    ).all()
    times = [asked.asked_at, *(at for _, at in asked.steps)]  # asking is the first
    if len(changes) != len(times):
        raise RuntimeError(
            f"question {asked.topic_id}: {len(changes)} steps kept, {len(times)} taken "
            "(did an official's post not answer it?)"
        )
    for change, at in zip(changes, times, strict=True):
        change.created_at = at
    await session.execute(
        update(Post), [{"id": pid, "created_at": at} for pid, (_, at) in asked.posts.items()]
    )
    topic = await session.get(Topic, asked.topic_id)
    assert topic is not None
    topic.created_at = asked.asked_at
    topic.last_activity_at = max(at for _, at in asked.posts.values())
    first: dict[int, datetime] = {}
    for author, at in asked.posts.values():
        first[author] = min(first.get(author, at), at)
    for participant in (
        await session.scalars(
            select(TopicParticipant).where(TopicParticipant.topic_id == asked.topic_id)
        )
    ).all():
        participant.first_posted_at = first.get(participant.user_id,
                                                participant.first_posted_at)


async def _questions(
    run: Run, member: Member, built: Built, crew: Sequence[Person], profile: Profile,
    moderator: Person | None, now: datetime, officials: int,
) -> Tally:
    """The city's officials, and the questions its people ask it, answered as the
    city's profile says."""
    rng = random.Random(f"questions|{member.name}|{member.country}")
    tally = Tally()
    named = await _officials(run, rng, member, built, officials)
    tally.officials = len(named)
    named_ids = {p.actor.id for p in named}
    people = [p for p in [*built.own, *crew]
              if p.actor.stakeholder_type != "government" and p.actor.id not in named_ids]
    plain = iter(rng.sample(QUESTIONS, len(profile.questions)))
    ask_space: int | None = None
    asked_all: list[Asked] = []
    for j, (days_ago, fate, voices) in enumerate(profile.questions):
        script = DECLINED if fate == "declined" else next(plain)
        space_id = built.spaces.get(script.theme)
        if space_id is None:
            if ask_space is None:
                ask_space = await _ask_space(run, built.own[0], built.org_id, member.name,
                                             moderator)
                tally.spaces += 1
            space_id = ask_space
        asker = rng.choice(people)
        asked = await _question(
            run, rng, script, space_id, asker, _voices(rng, asker, people, voices),
            named[j % len(named)], fate, now - timedelta(days=days_ago), now, member.name,
        )
        asked_all.append(asked)
        tally.questions += 1
        tally.posts += len(asked.posts)
    await _backdate(run.ctx.db, asked_all)
    return tally


async def _consensus(run: Run, member: Member, built: Built, moderator: Person,
                     secretariat: Actor) -> str:
    """Put the city on the premium plan and open a consensus round in its first
    discussion, voted by CONSENSUS_PEOPLE people of three opinions; the map is
    computed before the demo ends. Answers the progress line's details."""
    rng = random.Random(f"consensus|{member.name}|{member.country}")
    await upgrades.set_tier(run.ctx, secretariat, built.org_id, tier="premium",
                            reason="Demo: a premium city, to show the consensus map")
    async with run.ctx.db.read() as session:
        topic = await session.scalar(
            select(Topic).where(Topic.space_id.in_(built.spaces.values()),
                                Topic.kind == "discussion").order_by(Topic.id).limit(1))
    assert topic is not None
    opened = await rounds.open_round(
        run.ctx, moderator.actor, topic.id, prompt=CONSENSUS_PROMPT.format(city=member.name),
        statements=list(CONSENSUS_STATEMENTS), open_submissions=True)
    by_text = {s.text: s.id for s in opened.statements}
    sids = [by_text[text] for text in CONSENSUS_STATEMENTS]
    slug = _slug(member.name)
    names_ = [(f"{slug}.voice{n + 1}", _person_name(rng)) for n in range(CONSENSUS_PEOPLE)]
    people: list[Person] = []
    for start in range(0, len(names_), CONSENSUS_AT_ONCE):
        batch = names_[start:start + CONSENSUS_AT_ONCE]
        people += await asyncio.gather(*(_person(run, local, name, "citizen")
                                         for local, name in batch))

    async def ballot(person: Person, opinion: tuple[int, ...], noise: list[float]) -> None:
        # A person's votes in one transaction: a sixth of the writes one by one.
        await votes.cast(run.ctx, person.actor, opened.id, {
            sid: _CHOICE[(-1, 0, 1)[int(r * 1000) % 3] if r < CONSENSUS_NOISE else value]
            for sid, value, r in zip(sids, opinion, noise, strict=True)})

    # Interleaved, so every recompute on the way sees the three groups.
    plan = [(p, CONSENSUS_GROUPS[n % 3], [rng.random() for _ in sids])
            for n, p in enumerate(people)]
    for start in range(0, len(plan), CONSENSUS_AT_ONCE):
        await asyncio.gather(*(ballot(*one) for one in plan[start:start + CONSENSUS_AT_ONCE]))
    await recompute.settle(run.ctx)
    return (f"a consensus round in \"{topic.title}\", "
            f"{_n(len(people), 'participant')}, {_n(len(people) * len(sids), 'vote')}")


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
    async with run.ctx.db.read() as session:  # `--force`: the titles already there too
        run.titles.update((await session.scalars(select(Topic.title))).all())
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
    now = utcnow()  # the questions' times are counted back from here
    premium: tuple[Member, Built] | None = None
    for i, member in enumerate(chosen, 1):
        # Two themed spaces at most: the free tier's third is for the city's questions.
        built = await _member(
            run, member, crew, spaces_range=(1, 2), topics_range=(2, 4), moderator=moderator,
            secretariat=secretariat,
        )
        profile = PROFILES[(i - 1) % len(PROFILES)]
        built.tally.add(await _questions(
            run, member, built, crew, profile, moderator, now, officials=1 + i % 2,
        ))
        total.add(built.tally)
        _say(f"[{i}/{len(chosen)}] {member.name}, {member.country}: {built.tally.line()} "
             f"({profile.label})")
        premium = premium or (member, built)
    for i, member in enumerate(partner_list, 1):
        tally = (await _member(
            run, member, crew, spaces_range=(1, 1), topics_range=(2, 2), moderator=None,
            secretariat=secretariat,
        )).tally
        total.add(tally)
        kind = member.kind.replace("_", " ")
        _say(
            f"[partner {i}/{len(partner_list)}] {member.name}, {member.country} ({kind}): "
            f"{tally.line()}"
        )
    if premium is not None:
        member, built = premium
        details = await _consensus(run, member, built, moderator, secretariat)
        _say(f"[premium] {member.name}, {member.country}: {details}")
    elapsed = time.perf_counter() - started
    _say(
        f"done in {elapsed:.1f} s: {_n(len(chosen) + len(partner_list), 'organization')}, "
        f"{total.line()}, {_n(total.officials, 'official')}, "
        f"{_n(total.reactions, 'reaction')}, {_n(run.people, 'account')}"
    )
    _say("The questions and their answer times are made up for the demo; the network's "
         "responsiveness report, GET /responsiveness (the /responsiveness page), ranks "
         "the cities by them.")
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
    return (f"{_slug(first.name)}.official{run.suffix}@{DOMAIN} (its organization's admin "
            "and one of its officials)")


def _partners(taken: frozenset[str], count: int) -> list[Member]:
    """Corporations and institutions from "New Members & Partners", alternating."""
    corporations = [m for m in MEMBERS if m.kind == "corporation"]
    institutions = [m for m in MEMBERS if m.kind == "institution"]
    alternating = [m for pair in zip(corporations, institutions, strict=False) for m in pair]
    return _pick(alternating, taken, count)
