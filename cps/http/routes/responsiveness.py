"""The public responsiveness reports: a space's, an organization's and the network's."""

from __future__ import annotations

from datetime import date

from cps.http.api import Call, Endpoint, QueryParam, query_number, query_text
from cps.services.errors import Invalid
from cps.services.responsiveness import report
from cps.services.responsiveness.views import (
    MonthlyReport,
    NetworkReport,
    Period,
    ResponsivenessReport,
)

DATE_PATTERN = r"^[1-8][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
FROM = QueryParam("from", f"The period's first day, UTC, as YYYY-MM-DD (default: "
                  f"{report.DEFAULT_DAYS} days ending on `to`)", pattern=DATE_PATTERN,
                  format="date")
TO = QueryParam("to", "The period's last day, included, UTC, as YYYY-MM-DD (default: today)",
                pattern=DATE_PATTERN, format="date")
PERIOD_QUERY = (FROM, TO)
MONTHS = QueryParam.number("months", "How many calendar months, the current one last "
                           f"(default {report.MONTHS_DEFAULT})", 1, report.MONTHS_MAX)


def _day(call: Call, param: QueryParam) -> date | None:
    if call.query.get(param.name) == "":  # given, but no day: the document's pattern refuses it
        raise Invalid({param.name: "Expected a day as YYYY-MM-DD."})
    raw = query_text(call, param)
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise Invalid({param.name: "No such day in the calendar."}) from None


def _period(call: Call) -> Period:
    return report.period(_day(call, FROM), _day(call, TO), report.today())


async def space_report(call: Call) -> ResponsivenessReport:
    return await report.for_space(call.ctx, call.actor, call.path_int("space_id"),
                                  _period(call))


async def org_report(call: Call) -> ResponsivenessReport:
    return await report.for_org(call.ctx, call.path_int("org_id"), _period(call))


async def network_report(call: Call) -> NetworkReport:
    return await report.for_network(call.ctx, _period(call))


def _months(call: Call) -> list[Period]:
    return report.last_months(query_number(call, MONTHS, report.MONTHS_DEFAULT), report.today())


async def space_months(call: Call) -> MonthlyReport:
    return MonthlyReport(months=await report.space_months(
        call.ctx, call.actor, call.path_int("space_id"), _months(call)))


async def org_months(call: Call) -> MonthlyReport:
    return MonthlyReport(months=await report.org_months(
        call.ctx, call.path_int("org_id"), _months(call)))


async def network_months(call: Call) -> MonthlyReport:
    return MonthlyReport(months=await report.network_months(call.ctx, _months(call)))


def endpoints() -> list[Endpoint]:
    return [
        Endpoint("GET", "/spaces/{space_id:int}/responsiveness", space_report,
                 "How the organization answered the questions asked in the space in a "
                 "period (public; a private space's to those who may read it)",
                 response=ResponsivenessReport, query=PERIOD_QUERY, errors=(401, 404, 422)),
        Endpoint("GET", "/orgs/{org_id:int}/responsiveness", org_report,
                 "How the organization answered the questions asked in its public spaces "
                 "in a period (public)",
                 response=ResponsivenessReport, query=PERIOD_QUERY, errors=(401, 404, 422)),
        Endpoint("GET", "/responsiveness", network_report,
                 "How every organization answered the questions asked in its public spaces "
                 "in a period, ranked (public)",
                 response=NetworkReport, query=PERIOD_QUERY, errors=(401, 422)),
        Endpoint("GET", "/spaces/{space_id:int}/responsiveness/months", space_months,
                 "The space's report for each of the last months, oldest first, the current "
                 "one ending today: a chart in one request (a private space's to those who "
                 "may read it)",
                 response=MonthlyReport, query=(MONTHS,), errors=(401, 404, 422)),
        Endpoint("GET", "/orgs/{org_id:int}/responsiveness/months", org_months,
                 "The organization's report (its public spaces) for each of the last months, "
                 "oldest first, the current one ending today (public)",
                 response=MonthlyReport, query=(MONTHS,), errors=(401, 404, 422)),
        Endpoint("GET", "/responsiveness/months", network_months,
                 "The network's report (every public space) for each of the last months, "
                 "oldest first, the current one ending today (public)",
                 response=MonthlyReport, query=(MONTHS,), errors=(401, 422)),
    ]
