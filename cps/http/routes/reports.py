"""Reports on a space or an organization: the export (plus) and analytics (premium)."""

from __future__ import annotations

from starlette.responses import StreamingResponse

from cps.http.api import Call, Endpoint, QueryParam, query_choice, query_number
from cps.services.reports import analytics, exports
from cps.services.reports.views import AnalyticsView, ExportDocument


async def export_space(call: Call) -> StreamingResponse:
    fmt = exports.parse_format(query_choice(call, FORMAT))
    # Access and tier are checked here, before the first byte is sent.
    export = await exports.open_export(call.ctx, call.user, call.path_int("space_id"), fmt)
    return StreamingResponse(
        export.chunks(),
        media_type=export.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{export.filename}"',
            "Cache-Control": "no-store",
        },
    )


FORMAT = QueryParam("format", "json (the default) or csv", choices=("json", "csv"))
DAYS = QueryParam.number("days", f"The last N UTC days, today included (default "
                         f"{analytics.DAYS_DEFAULT})", 1, analytics.DAYS_MAX)


def _days(call: Call) -> int:
    return query_number(call, DAYS, analytics.DAYS_DEFAULT)


async def org_analytics(call: Call) -> AnalyticsView:
    return await analytics.for_org(call.ctx, call.user, call.path_int("org_id"), _days(call))


async def space_analytics(call: Call) -> AnalyticsView:
    return await analytics.for_space(call.ctx, call.user, call.path_int("space_id"), _days(call))


EXPORT_QUERY = (FORMAT,)
ANALYTICS_QUERY = (DAYS,)


def endpoints() -> list[Endpoint]:
    return [
        Endpoint("GET", "/spaces/{space_id:int}/export", export_space,
                 "Download every topic and post of the space as JSON or CSV (its moderators, "
                 "the organization's admins; needs plus)",
                 response=ExportDocument, auth="required", entitlement="export",
                 query=EXPORT_QUERY, also_media=("text/csv",), errors=(401, 402, 403, 404, 422)),
        Endpoint("GET", "/orgs/{org_id:int}/analytics", org_analytics,
                 "Participation over time, stakeholder mix and response times across the "
                 "organization's spaces (its admins; needs premium)",
                 response=AnalyticsView, auth="required", entitlement="analytics",
                 query=ANALYTICS_QUERY, errors=(401, 402, 403, 404, 422)),
        Endpoint("GET", "/spaces/{space_id:int}/analytics", space_analytics,
                 "The analytics dashboard of one space (its moderators, the organization's "
                 "admins; needs premium)",
                 response=AnalyticsView, auth="required", entitlement="analytics",
                 query=ANALYTICS_QUERY, errors=(401, 402, 403, 404, 422)),
    ]
