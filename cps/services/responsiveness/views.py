"""What the responsiveness reports answer (also the API's response schemas)."""

from __future__ import annotations

from datetime import date

from pydantic import ConfigDict, Field

from cps.services.accounts.views import Author
from cps.services.views import View


class Period(View):
    """The days whose questions count, both included (UTC)."""

    model_config = ConfigDict(from_attributes=True, serialize_by_alias=True,
                              validate_by_name=True, validate_by_alias=True)

    # `from` is a Python keyword: the field is `from_`, named `from` in JSON.
    from_: date = Field(alias="from")
    to: date


class Responsiveness(View):
    """The figures of the questions asked in a period. Hours are None when no
    question reached that step."""

    asked: int
    acknowledged: int
    answered: int
    answered_within_target: int
    overdue: int
    done: int
    declined: int
    median_hours_to_acknowledge: float | None
    p90_hours_to_acknowledge: float | None
    median_hours_to_answer: float | None
    p90_hours_to_answer: float | None


class ReportOrg(View):
    id: int
    name: str
    country: str


class OrgResponsiveness(Responsiveness):
    """An organization's line in the network report: `rank` is None below
    `report.RANKED_FROM` questions in the period."""

    org: ReportOrg
    rank: int | None


class ResponsivenessReport(Responsiveness):
    """A space's or an organization's report."""

    period: Period


class NetworkReport(ResponsivenessReport):
    """The network's report: every organization's figures besides the totals,
    ranked ones first."""

    orgs: list[OrgResponsiveness]


class QuestionResponsiveness(Responsiveness):
    """One question's figures (each count 0 or 1), in the premium analytics."""

    topic_id: int
    title: str


class AnswererResponsiveness(Responsiveness):
    """The figures of the questions one person answered, in the premium analytics:
    `official` when they are one of the organization's officials now (a
    moderator or an admin may answer too)."""

    user: Author
    official: bool


class MonthlyReport(View):
    """A report for each of the last months, oldest first (the current month ends
    today): the charts' months in one answer."""

    months: list[ResponsivenessReport]
