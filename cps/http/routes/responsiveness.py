"""The public responsiveness reports: a space's, an organization's and the network's."""

from __future__ import annotations

from datetime import date

from cps.http.api import Call, Endpoint, QueryParam, query_text
from cps.services.errors import Invalid
from cps.services.responsiveness import report
from cps.services.responsiveness.views import NetworkReport, Period, ResponsivenessReport

DATE_PATTERN = r"^[1-8][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
FROM = QueryParam("from", f"The period's first day, UTC, as YYYY-MM-DD (default: "
                  f"{report.DEFAULT_DAYS} days ending on `to`)", pattern=DATE_PATTERN,
                  format="date")
TO = QueryParam("to", "The period's last day, included, UTC, as YYYY-MM-DD (default: today)",
                pattern=DATE_PATTERN, format="date")
PERIOD_QUERY = (FROM, TO)


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
    ]
