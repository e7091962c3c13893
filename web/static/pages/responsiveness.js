// How fast questions are answered, in public, for every tier: a space's
// report (/spaces/{id}?view=responsiveness), an organization's
// (/orgs/{id}?view=responsiveness) and the network's (/responsiveness, with
// the ranking of organizations). Each shows the figures of a period (?days=
// 30, 90 or 365), and time to answer over the months as an SVG chart with its
// table. The parts are in ../responsiveness/. At load: the space's or the
// organization's overview (not for the network), the period's report and every
// month of the chart in one request.

import { dayWords } from "../accountability.js";
import { get } from "../api.js";
import { clear, h, select } from "../dom.js";
import { chartKey, monthsChart, monthsTable, readMonths } from "../responsiveness/chart.js";
import { figuresList, timesText } from "../responsiveness/figures.js";
import { rankingTable } from "../responsiveness/ranking.js";
import { breadcrumb, orgCrumb } from "../widgets.js";
import { t } from "../i18n.js";

const PERIODS = [["30", t("resp.last30Days")], ["90", t("resp.last90Days")], ["365", t("resp.last365Days")]];

/** ?days= as the period's first and last day (UTC, both included). */
function period(ctx) {
  const days = PERIODS.some(([d]) => d === ctx.query.get("days")) ? Number(ctx.query.get("days")) : 90;
  const to = new Date();
  const from = new Date(to.getTime() - (days - 1) * 86_400_000);
  return { days, from: from.toISOString().slice(0, 10), to: to.toISOString().slice(0, 10) };
}

/** What the page is about: its API path, words and breadcrumb, from the route. */
async function scopeOf(ctx) {
  const [kind] = location.pathname.split("/").filter(Boolean);
  if (kind === "spaces") {
    const { space, org } = await get(`/spaces/${ctx.params[0]}/overview`, { signal: ctx.signal });
    return { kind: "space", space, org, path: `/spaces/${space.id}/responsiveness`,
      title: t("resp.title.space", { org: org.name, space: space.name }),
      crumbs: [orgCrumb(org), [`/spaces/${space.id}`, space.name]],
      targetHours: (space.response_target_days ?? 14) * 24 };
  }
  if (kind === "orgs") {
    const { org, spaces } = await get(`/orgs/${ctx.params[0]}/overview`, { signal: ctx.signal });
    return { kind: "org", org, spaces, path: `/orgs/${org.id}/responsiveness`, title: t("resp.title.org", { org: org.name }),
      crumbs: [orgCrumb(org)], targetHours: null };
  }
  return { kind: "network", path: "/responsiveness", title: t("resp.howFastMemberOrganizations"),
    crumbs: [], targetHours: null };
}

function lede(scope) {
  if (scope.kind === "space") {
    return t("resp.lede.space", { org: scope.org.name, count: scope.space.response_target_days ?? 14 });
  }
  if (scope.kind === "org") {
    return t("resp.lede.org", { org: scope.org.name });
  }
  return t("resp.lede.network");
}

/** The period picker: choosing reloads the page for that period. */
function periodControl(ctx, days) {
  const control = select({ label: t("resp.period"), name: "days", options: PERIODS, value: String(days) });
  control.classList.add("period-control");
  control.querySelector("select").addEventListener("change", (event) => {
    const url = new URL(location.href);
    url.searchParams.set("days", event.target.value);
    ctx.navigate(url.href, { replace: true });
  });
  return control;
}

/** For an organization: a link to each public space's report. */
function spacesSection(spaces) {
  const open = spaces.filter((s) => s.visibility === "public");
  return h("section", { "aria-labelledby": "per-space-h", class: "card" },
    h("h2", { id: "per-space-h" }, t("resp.spaceBySpace")),
    open.length === 0 ? h("p", { class: "muted" }, t("home.noSpace"))
      : h("ul", { class: "space-list" }, open.map((s) => h("li", {},
        h("a", { href: `/spaces/${s.id}?view=responsiveness` }, s.name),
        h("p", { class: "muted small" }, t("resp.target", { count: s.response_target_days ?? 14 }))))));
}

export default async function responsivenessPage(ctx) {
  const scope = await scopeOf(ctx);
  const { days, from, to } = period(ctx);
  const report = await get(`${scope.path}?from=${from}&to=${to}`, { signal: ctx.signal });
  ctx.title(scope.title);

  const chartSlot = h("div", { class: "chart-slot" }, h("p", { class: "muted" }, t("resp.readingTheMonths")));
  const perSpace = scope.kind === "org" ? spacesSection(scope.spaces) : null;
  ctx.main.append(...[
    breadcrumb([["/", t("nav.home")], ...scope.crumbs, [null, t("resp.responsiveness")]]),
    h("header", { class: "page-head" }, h("h1", {}, scope.title), h("p", { class: "lede" }, lede(scope))),
    h("div", { class: "report-controls" }, periodControl(ctx, days),
      h("p", { class: "muted small" }, t("resp.period.span", { from: dayWords(report.period.from), to: dayWords(report.period.to) }))),
    h("section", { class: "card", "aria-labelledby": "figures-h" },
      h("h2", { id: "figures-h" }, t("resp.theFigures")), figuresList(report), timesText(report)),
    scope.kind === "network" ? h("section", { class: "card", "aria-labelledby": "ranking-h" },
      h("h2", { id: "ranking-h" }, t("resp.ranking")), rankingTable(report)) : null,
    h("section", { class: "card", "aria-labelledby": "months-h" },
      h("h2", { id: "months-h" }, t("resp.timeToAnswerMonth")), chartSlot),
    perSpace,
    scope.kind !== "network" ? h("p", {}, h("a", { href: "/responsiveness" }, t("resp.compareWithEveryMember"))) : null,
  ].filter(Boolean));

  let rows;
  try {
    rows = await readMonths(scope.path, ctx.signal);
  } catch (err) {
    if (err.name === "AbortError") throw err;
    clear(chartSlot, h("p", { class: "form-error" }, t("resp.monthsFailed", { message: err.message })));
    return;
  }
  clear(chartSlot);
  // Drawn at the width it has, so that its words keep their size on a phone.
  const width = Math.max(300, Math.round(chartSlot.getBoundingClientRect().width) || 720);
  chartSlot.append(monthsChart(rows, { targetHours: scope.targetHours, width }), chartKey(scope.targetHours), monthsTable(rows));
}
