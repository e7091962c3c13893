// The analytics dashboard of an organization (or one of its spaces), at
// /orgs/{id}?view=analytics[&space={id}][&days=N]: participation per day as
// SVG bars, the stakeholder mix as a table, response times as figures. Shown
// when the organization's entitlements include "analytics"; the server
// answers 402 otherwise anyway.

import { hoursWords } from "../accountability.js";
import { get } from "../api.js";
import { clear, h, select, stakeholderLabel } from "../dom.js";
import { breadcrumb, orgCrumb, tierName, tierNotice } from "../widgets.js";
import { formatNumber, t, tx } from "../i18n.js";

const SVG = "http://www.w3.org/2000/svg";
const WINDOWS = [["7", t("anl.last7Days")], ["30", t("resp.last30Days")], ["90", t("resp.last90Days")], ["365", t("resp.last365Days")]];

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
  for (const child of children) el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return el;
}

const dayFormat = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", timeZone: "UTC" });
const dayLabel = (iso) => dayFormat.format(new Date(`${iso}T00:00:00Z`));

/** Seconds as people say them ("40 seconds", "5 hours", "3 days and 4
 * hours"); `none` when nothing was measured (never "0 s" or a dash). */
export function duration(seconds, none) {
  if (seconds === null || seconds === undefined) return none;
  if (seconds < 1) return t("analytics.underASecond");
  if (seconds < 60) return t("analytics.seconds", { count: Math.round(seconds) });
  return hoursWords(seconds / 3600);
}

// Drawn at the width it has (`width` CSS pixels, one unit a pixel), so that its
// labels are 12 px on a phone too (they were about 7 px, a 720-unit drawing
// squeezed into 343 px), with as many day labels as fit.
const LABEL_ROOM = 72; // px a day label needs, its neighbours' gap included

function participationChart(days, width) {
  const height = 200;
  const pad = { top: 10, bottom: 24, left: 36 };
  const most = Math.max(1, ...days.map((d) => d.posts));
  const slot = (width - pad.left) / days.length;
  const bar = Math.max(1, slot * 0.8);
  const plot = height - pad.top - pad.bottom;
  const total = days.reduce((n, d) => n + d.posts, 0);
  const chart = svg("svg", {
    viewBox: `0 0 ${width} ${height}`, width, height, class: "chart", role: "img",
    "aria-labelledby": "chart-title chart-desc",
  },
  svg("title", { id: "chart-title" }, t("anl.postsPerDay")),
  svg("desc", { id: "chart-desc" },
    t("anl.chartDesc", { count: total, days: days.length, most })),
  svg("line", { x1: pad.left, x2: width, y1: height - pad.bottom, y2: height - pad.bottom, class: "chart-axis" }),
  svg("text", { x: pad.left - 6, y: pad.top + 10, "text-anchor": "end", class: "chart-label" }, String(most)),
  svg("text", { x: pad.left - 6, y: height - pad.bottom, "text-anchor": "end", class: "chart-label" }, "0"));
  const labels = Math.max(2, Math.floor((width - pad.left) / LABEL_ROOM));
  const every = Math.ceil(days.length / labels);
  days.forEach((d, i) => {
    const h_ = (d.posts / most) * plot;
    const x = pad.left + i * slot + (slot - bar) / 2;
    chart.append(svg("rect", {
      x: x.toFixed(1), y: (height - pad.bottom - h_).toFixed(1), width: bar.toFixed(1), height: h_.toFixed(1),
      class: "chart-bar",
    }, svg("title", {}, t("anl.dayBar", { day: dayLabel(d.day), posts: d.posts, participants: d.participants }))));
    if (i % every === 0) {
      chart.append(svg("text", { x: (x + bar / 2).toFixed(1), y: height - 6, "text-anchor": "middle", class: "chart-label" },
        dayLabel(d.day)));
    }
  });
  return chart;
}

function dayTable(days) {
  return h("details", { class: "chart-table" }, h("summary", {}, t("anl.everyDayAsA")),
    h("table", {},
      h("thead", {}, h("tr", {}, [t("anl.dayUtc"), t("search.kind.posts"), t("space.topics"), t("anl.participants")].map((name) => h("th", { scope: "col" }, name)))),
      h("tbody", {}, days.map((d) => h("tr", {},
        h("th", { scope: "row" }, dayLabel(d.day)), h("td", {}, d.posts), h("td", {}, d.topics), h("td", {}, d.participants))))));
}

function stakeholderTable(rows, totals) {
  const share = (n, of) => (of ? `${Math.round((n / of) * 100)}\u00a0%` : "—");
  return h("table", { class: "mix" },
    h("caption", { class: "visually-hidden" }, t("anl.stakeholderMix")),
    h("thead", {}, h("tr", {}, [t("anl.stakeholderType"), t("anl.participants"), t("anl.share"), t("search.kind.posts")].map((name) => h("th", { scope: "col" }, name)))),
    h("tbody", {}, rows.map((r) => h("tr", {},
      h("th", { scope: "row" }, stakeholderLabel(r.stakeholder_type)),
      h("td", {}, r.participants), h("td", {}, share(r.participants, totals.participants)), h("td", {}, r.posts)))));
}

function figure(label, value) {
  return [h("dt", {}, label), h("dd", {}, String(value))];
}

function drawReport(target, report) {
  const totals = report.totals;
  const rt = report.response_times;
  const fh = report.flag_handling;
  const chartSlot = h("div", { class: "chart-slot" });
  clear(target,
    h("section", { "aria-labelledby": "totals-h", class: "card" },
      h("h2", { id: "totals-h" }, t("anl.inThisWindow")),
      h("dl", { class: "figures" },
        figure(t("anl.topicsOpened"), totals.topics), figure(t("search.kind.posts"), totals.posts), figure(t("anl.participants"), totals.participants),
        figure(t("anl.flags"), totals.flags), figure(t("anl.postsNowHidden"), totals.hidden_posts))),
    h("section", { "aria-labelledby": "participation-h", class: "card" },
      h("h2", { id: "participation-h" }, t("anl.participationOverTime")),
      chartSlot),
    // On a phone, in a language of long words, the table may be wider than its card:
    // it then scrolls within its region (the landmark here, reachable by keyboard),
    // never cut off.
    h("div", { class: "card" },
      h("h2", { id: "mix-h" }, t("anl.stakeholderMix")),
      h("div", { class: "table-scroll", role: "region", tabindex: "0", "aria-labelledby": "mix-h" },
        stakeholderTable(report.stakeholders, totals))),
    h("section", { "aria-labelledby": "response-h", class: "card" },
      h("h2", { id: "response-h" }, t("anl.responseTimes")),
      h("p", { class: "muted small" }, t("anl.fromATopicS")),
      h("dl", { class: "figures" },
        figure(t("anl.median"), duration(rt.median_seconds, t("analytics.noAnswersYet"))),
        figure(t("anl.p90Answered"), duration(rt.p90_seconds, t("analytics.noAnswersYet"))),
        figure(t("anl.topicsAnswered"), rt.answered), figure(t("anl.topicsUnanswered"), rt.unanswered)),
      h("h3", {}, t("anl.flags")),
      h("dl", { class: "figures" },
        figure(t("anl.medianTimeToA"), duration(fh.median_seconds, t("analytics.noFlagDecidedYet"))),
        figure(t("anl.p90Decided"), duration(fh.p90_seconds, t("analytics.noFlagDecidedYet"))),
        figure(t("anl.decided"), fh.resolved), figure(t("anl.waiting"), fh.open))),
  );
  const width = Math.max(280, Math.floor(chartSlot.getBoundingClientRect().width) || 720);
  chartSlot.append(participationChart(report.participation, width), dayTable(report.participation));
}

export default async function analyticsPage(ctx) {
  const orgId = ctx.params[0];
  const { org } = await get(`/orgs/${orgId}`, { signal: ctx.signal });
  ctx.title(t("anl.pageTitle", { org: org.name }));
  ctx.main.append(
    breadcrumb([["/", t("nav.home")], orgCrumb(org), [null, t("org.analytics")]]),
    h("header", { class: "page-head" }, h("h1", {}, t("anl.heading", { org: org.name }))),
  );
  const spaceId = ctx.query.get("space") || "";
  if (!org.is_admin && !spaceId) {
    // A space's moderators see that space's analytics (the link is on the space's page).
    ctx.main.append(h("p", { class: "notice" }, t("anl.onlyTheOrganizationS")));
    return;
  }
  const ent = org.entitlements || { capabilities: {} };
  if (!ent.capabilities.analytics) {
    ctx.main.append(h("p", { class: "gate" },
      tx("anl.gate", { tier: tierName(org.tier),
        link: h("a", { href: `/plans?tier=premium&org=${org.id}` }, t("anl.gate.link")) })));
    return;
  }
  const { spaces } = await get(`/orgs/${orgId}/spaces`, { signal: ctx.signal });
  const choices = spaces.map((s) => [String(s.id), s.name]);
  const days = WINDOWS.some(([v]) => v === ctx.query.get("days")) ? ctx.query.get("days") : "30";
  const form = h("form", { class: "form inline analytics-controls", method: "get", action: `/orgs/${org.id}` },
    h("input", { type: "hidden", name: "view", value: "analytics" }),
    select({ label: t("org.spaces"), name: "space", value: spaceId,
      options: org.is_admin ? [["", t("moderation.queue.allSpaces")], ...choices] : choices.filter(([v]) => v === spaceId) }),
    select({ label: t("anl.window"), name: "days", value: days, options: WINDOWS }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("moderation.queue.show"))));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const q = new URLSearchParams({ view: "analytics", days: data.get("days") });
    if (data.get("space")) q.set("space", data.get("space"));
    ctx.navigate(`/orgs/${org.id}?${q}`);
  });
  const report = h("div", { class: "analytics", "aria-live": "polite" }, h("p", { class: "muted" }, t("site.loading")));
  ctx.main.append(form, report);
  const path = spaceId ? `/spaces/${encodeURIComponent(spaceId)}/analytics` : `/orgs/${org.id}/analytics`;
  try {
    drawReport(report, await get(`${path}?days=${days}`, { signal: ctx.signal }));
  } catch (err) {
    if (err.name === "AbortError") throw err;
    clear(report, h("p", { class: "notice notice-error", role: "alert" }, tierNotice(err)));
  }
}
