// How fast questions are answered, in public, for every tier: a space's
// report (/spaces/{id}?view=responsiveness), an organization's
// (/orgs/{id}?view=responsiveness) and the network's (/responsiveness, with
// the ranking of organizations). Each shows the figures of a period (?days=
// 30, 90 or 365), and time to answer over the months as an SVG chart with its
// table. The parts are in ../responsiveness/.

import { dayWords } from "../accountability.js";
import { get } from "../api.js";
import { clear, h, select } from "../dom.js";
import { chartKey, monthsChart, monthsTable, readMonths } from "../responsiveness/chart.js";
import { figuresList, timesText } from "../responsiveness/figures.js";
import { rankingTable } from "../responsiveness/ranking.js";
import { breadcrumb, orgCrumb } from "../widgets.js";

const PERIODS = [["30", "Last 30 days"], ["90", "Last 90 days"], ["365", "Last 365 days"]];

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
    const { space } = await get(`/spaces/${ctx.params[0]}`, { signal: ctx.signal });
    const { org } = await get(`/orgs/${space.org_id}`, { signal: ctx.signal });
    return { kind: "space", space, org, path: `/spaces/${space.id}/responsiveness`,
      title: `How fast ${org.name} answers in ${space.name}`,
      crumbs: [orgCrumb(org), [`/spaces/${space.id}`, space.name]],
      targetHours: (space.response_target_days ?? 14) * 24 };
  }
  if (kind === "orgs") {
    const { org } = await get(`/orgs/${ctx.params[0]}`, { signal: ctx.signal });
    return { kind: "org", org, path: `/orgs/${org.id}/responsiveness`, title: `How fast ${org.name} answers`,
      crumbs: [orgCrumb(org)], targetHours: null };
  }
  return { kind: "network", path: "/responsiveness", title: "How fast member organizations answer",
    crumbs: [], targetHours: null };
}

function lede(scope) {
  if (scope.kind === "space") {
    return `Questions asked in this space and what ${scope.org.name} did with them. `
      + `The space's target: an answer within ${scope.space.response_target_days ?? 14} days.`;
  }
  if (scope.kind === "org") {
    return `Questions asked in the public spaces of ${scope.org.name} and what it did with them. `
      + "Each space has its target time to answer.";
  }
  return "Citizens ask the member cities and organizations questions in their public spaces; "
    + "here is how many each answered, how fast, and how many are overdue. Every figure is public.";
}

/** The period picker: choosing reloads the page for that period. */
function periodControl(ctx, days) {
  const control = select({ label: "Period", name: "days", options: PERIODS, value: String(days) });
  control.classList.add("period-control");
  control.querySelector("select").addEventListener("change", (event) => {
    const url = new URL(location.href);
    url.searchParams.set("days", event.target.value);
    ctx.navigate(url.href, { replace: true });
  });
  return control;
}

/** For an organization: a link to each public space's report. */
async function spacesSection(ctx, org) {
  const { spaces } = await get(`/orgs/${org.id}/spaces`, { signal: ctx.signal });
  const open = spaces.filter((s) => s.visibility === "public");
  return h("section", { "aria-labelledby": "per-space-h", class: "card" },
    h("h2", { id: "per-space-h" }, "Space by space"),
    open.length === 0 ? h("p", { class: "muted" }, "No public space yet.")
      : h("ul", { class: "space-list" }, open.map((s) => h("li", {},
        h("a", { href: `/spaces/${s.id}?view=responsiveness` }, s.name),
        h("p", { class: "muted small" }, `Target: an answer within ${s.response_target_days ?? 14} days.`)))));
}

export default async function responsivenessPage(ctx) {
  const scope = await scopeOf(ctx);
  const { days, from, to } = period(ctx);
  const report = await get(`${scope.path}?from=${from}&to=${to}`, { signal: ctx.signal });
  ctx.title(scope.title);

  const chartSlot = h("div", { class: "chart-slot" }, h("p", { class: "muted" }, "Reading the months…"));
  const perSpace = scope.kind === "org" ? await spacesSection(ctx, scope.org) : null;
  ctx.main.append(...[
    breadcrumb([["/", "Home"], ...scope.crumbs, [null, "Responsiveness"]]),
    h("header", { class: "page-head" }, h("h1", {}, scope.title), h("p", { class: "lede" }, lede(scope))),
    h("div", { class: "report-controls" }, periodControl(ctx, days),
      h("p", { class: "muted small" }, `Questions asked from ${dayWords(report.period.from)} to ${dayWords(report.period.to)}.`)),
    h("section", { class: "card", "aria-labelledby": "figures-h" },
      h("h2", { id: "figures-h" }, "The figures"), figuresList(report), timesText(report)),
    scope.kind === "network" ? h("section", { class: "card", "aria-labelledby": "ranking-h" },
      h("h2", { id: "ranking-h" }, "Ranking"), rankingTable(report)) : null,
    h("section", { class: "card", "aria-labelledby": "months-h" },
      h("h2", { id: "months-h" }, "Time to answer, month by month"), chartSlot),
    perSpace,
    scope.kind !== "network" ? h("p", {}, h("a", { href: "/responsiveness" }, "Compare with every member organization")) : null,
  ].filter(Boolean));

  let rows;
  try {
    rows = await readMonths(scope.path, ctx.signal);
  } catch (err) {
    if (err.name === "AbortError") throw err;
    clear(chartSlot, h("p", { class: "form-error" }, `Could not read the months: ${err.message}`));
    return;
  }
  clear(chartSlot);
  // Drawn at the width it has, so that its words keep their size on a phone.
  const width = Math.max(300, Math.round(chartSlot.getBoundingClientRect().width) || 720);
  chartSlot.append(monthsChart(rows, { targetHours: scope.targetHours, width }), chartKey(scope.targetHours), monthsTable(rows));
}
