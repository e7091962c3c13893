// Time to answer over the months, drawn as SVG by the page (no library): one
// bar per month for the median time to answer the questions asked that
// month, a dash for the time within which 9 in 10 were answered, and the
// target as a dashed line where there is one. The SVG has a title and a
// summary (its text alternative) and every month is in a table below it.

import { get } from "../api.js";
import { hoursWords, monthShort, monthWords } from "../accountability.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";

const SVG = "http://www.w3.org/2000/svg";
const MONTHS = 12;
const AT_LEAST = 6; // months shown even when the first ones had no question

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
  for (const child of children) el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return el;
}

/** Reads the report `path` (/responsiveness, /orgs/1/responsiveness...) for
 * each of the last MONTHS months in one request (`${path}/months`); answers
 * [{day, asked, answered, median, p90}], leading empty months dropped (down
 * to AT_LEAST months). */
export async function readMonths(path, signal) {
  const { months } = await get(`${path}/months?months=${MONTHS}`, { signal });
  const rows = months.map((r) => ({ day: r.period.from, asked: r.asked, answered: r.answered,
    median: r.median_hours_to_answer, p90: r.p90_hours_to_answer }));
  let first = rows.findIndex((r) => r.asked);
  if (first < 0 || first > rows.length - AT_LEAST) first = rows.length - AT_LEAST;
  return rows.slice(first);
}

/** How the months read aloud: their span, the quickest and slowest month. */
function summary(rows, targetHours) {
  const answered = rows.filter((r) => r.median !== null);
  const span = { from: monthWords(rows[0].day), to: monthWords(rows.at(-1).day) };
  if (answered.length === 0) return t("chart.noneAnswered", span);
  const quick = answered.reduce((a, b) => (b.median < a.median ? b : a));
  const slow = answered.reduce((a, b) => (b.median > a.median ? b : a));
  const none = rows.length - answered.length;
  return [
    t("chart.median", span),
    answered.length > 1
      ? t("chart.quickSlow", { quick: hoursWords(quick.median), quickMonth: monthWords(quick.day),
        slow: hoursWords(slow.median), slowMonth: monthWords(slow.day) })
      : t("chart.oneMonth", { month: monthWords(quick.day), time: hoursWords(quick.median) }),
    none ? t("chart.monthsWithout", { count: none }) : "",
    targetHours ? t("chart.targetIs", { time: hoursWords(targetHours) }) : "",
    t("resp.theTableBelowLists"),
  ].filter(Boolean).join(" ");
}

/** The chart, `width` units (CSS pixels) wide; `targetHours` draws the
 * target line (a space's), or null. */
export function monthsChart(rows, { targetHours = null, width = 720, id = "answer-chart" } = {}) {
  const height = 220;
  const pad = { top: 16, bottom: 28, left: 52, right: 8 };
  const most = Math.max(1, targetHours || 0, ...rows.map((r) => r.p90 ?? r.median ?? 0));
  const top = most * 1.1;
  const plot = height - pad.top - pad.bottom;
  const y = (hours) => height - pad.bottom - (hours / top) * plot;
  const slot = (width - pad.left - pad.right) / rows.length;
  const bar = Math.max(4, Math.min(48, slot * 0.55));
  const every = slot < 30 ? 2 : 1; // month names every other month where they would touch
  const chart = svg("svg", {
    viewBox: `0 0 ${width} ${height}`, width, height, class: "chart months-chart", role: "img",
    "aria-labelledby": `${id}-title ${id}-desc`,
  },
  svg("title", { id: `${id}-title` }, t("resp.timeToAnswerMonth")),
  svg("desc", { id: `${id}-desc` }, summary(rows, targetHours)),
  svg("line", { x1: pad.left, x2: width - pad.right, y1: y(0), y2: y(0), class: "chart-axis" }),
  svg("line", { x1: pad.left, x2: width - pad.right, y1: y(most), y2: y(most), class: "chart-grid" }),
  svg("line", { x1: pad.left, x2: width - pad.right, y1: y(most / 2), y2: y(most / 2), class: "chart-grid" }),
  svg("text", { x: pad.left - 6, y: y(0), "text-anchor": "end", class: "chart-label" }, "0"),
  svg("text", { x: pad.left - 6, y: y(most / 2) + 4, "text-anchor": "end", class: "chart-label" }, axisWords(most / 2)),
  svg("text", { x: pad.left - 6, y: y(most) + 4, "text-anchor": "end", class: "chart-label" }, axisWords(most)));
  if (targetHours) {
    chart.append(
      svg("line", { x1: pad.left, x2: width - pad.right, y1: y(targetHours), y2: y(targetHours), class: "chart-target" }),
      svg("text", { x: width - pad.right, y: y(targetHours) - 4, "text-anchor": "end", class: "chart-label" }, t("chart.target")));
  }
  rows.forEach((r, i) => {
    const x = pad.left + i * slot + (slot - bar) / 2;
    const label = t("chart.monthLabel", { month: monthWords(r.day),
      what: r.median === null ? t("chart.noAnswered") : t("chart.halfWithin", { time: hoursWords(r.median) }) });
    if (r.median !== null) {
      chart.append(svg("rect", { x: x.toFixed(1), y: Math.min(y(r.median), y(0) - 2).toFixed(1), width: bar.toFixed(1),
        height: Math.max(2, y(0) - y(r.median)).toFixed(1), class: "chart-bar" }, svg("title", {}, label)));
    } else {
      chart.append(svg("text", { x: (x + bar / 2).toFixed(1), y: y(0) - 4, "text-anchor": "middle", class: "chart-label" }, "–"));
    }
    if (r.p90 !== null) {
      chart.append(svg("line", { x1: (x - 4).toFixed(1), x2: (x + bar + 4).toFixed(1), y1: y(r.p90).toFixed(1), y2: y(r.p90).toFixed(1), class: "chart-p90" }));
    }
    if ((rows.length - 1 - i) % every === 0) {
      chart.append(svg("text", { x: (x + bar / 2).toFixed(1), y: height - 8, "text-anchor": "middle", class: "chart-label" }, monthShort(r.day)));
    }
  });
  return chart;
}

/** An axis mark: minutes below an hour, hours below two days, else days. */
function axisWords(hours) {
  if (hours < 1) return t("chart.axis.min", { n: Math.round(hours * 60) });
  return hours < 48 ? t("chart.axis.h", { n: Math.round(hours) }) : t("chart.axis.days", { n: Math.round(hours / 24) });
}

/** What the chart shows, as a key in words and shapes (not colour alone). */
export function chartKey(targetHours) {
  return h("ul", { class: "chart-key" },
    h("li", {}, h("span", { class: "key-bar", "aria-hidden": "true" }), t("resp.barHalfOfThe")),
    h("li", {}, h("span", { class: "key-p90", "aria-hidden": "true" }), t("resp.dash9In10")),
    targetHours ? h("li", {}, h("span", { class: "key-target", "aria-hidden": "true" }), t("resp.dashedLineTheTarget")) : null);
}

/** Every month as a table (the chart's data, for reading and screen readers);
 * on a phone its rows are laid out as cards, explicit roles keep it a table. */
export function monthsTable(rows) {
  const cols = [t("resp.month"), t("question.step.open"), t("question.status.answered"), t("resp.halfAnsweredWithin"), t("resp.nineInTenAnsweredWithin")];
  const cell = (i, text) => h("td", { role: "cell", "data-label": cols[i] }, text);
  return h("details", { class: "chart-table" }, h("summary", {}, t("resp.everyMonthAsA")),
    h("div", { class: "table-wrap" }, h("table", { role: "table", class: "stack-table" },
      h("caption", { class: "visually-hidden" }, t("resp.timeToAnswerMonth")),
      h("thead", { role: "rowgroup" }, h("tr", { role: "row" }, cols.map((t) => h("th", { role: "columnheader", scope: "col" }, t)))),
      h("tbody", { role: "rowgroup" }, rows.map((r) => h("tr", { role: "row" },
        h("th", { role: "rowheader", scope: "row" }, monthWords(r.day)),
        cell(1, String(r.asked)),
        cell(2, String(r.answered)),
        cell(3, hoursWords(r.median, t("chart.noAnswer"))),
        cell(4, hoursWords(r.p90, t("chart.noAnswer")))))))));
}
