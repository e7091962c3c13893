// The network's ranking of organizations, as a real table a screen reader
// can read: a caption, column headers, the organization as each row's
// header, and an organization with too few questions said to be unranked.

import { dayWords, hoursWords, percent } from "../accountability.js";
import { h } from "../dom.js";

/** The fewest questions in a period for a rank (the server decides; it says
 * so by a null rank, this is only for the words). */
const RANKED_FROM = 5;

export function rankingTable(report) {
  const { orgs, period } = report;
  if (orgs.length === 0) return h("p", { class: "muted" }, "No organization had a question in this period.");
  const caption = h("caption", {},
    "Organizations ranked by the share of their questions answered within target, then by the median time to answer",
    h("span", { class: "cell-note" }, `Questions asked from ${dayWords(period.from)} to ${dayWords(period.to)}.`));
  const cols = ["Rank", "Organization", "Answered within target", "Median time to answer", "Overdue now"];
  // Explicit roles: on a phone the rows are laid out as cards (app.css), and
  // the roles keep them a table for screen readers whatever the layout.
  const cell = (i, ...content) => h("td", { role: "cell", "data-label": cols[i] }, h("span", {}, ...content));
  const row = (o) => h("tr", { role: "row", class: o.rank === null ? "is-unranked" : null },
    h("td", { role: "cell", class: "rank", "data-label": cols[0] }, h("span", {}, o.rank === null
      ? ["Not ranked", h("span", { class: "cell-note" }, `fewer than ${RANKED_FROM} questions`)]
      : String(o.rank))),
    h("th", { role: "rowheader", scope: "row" }, h("a", { href: `/orgs/${o.org.id}?view=responsiveness` }, o.org.name),
      h("span", { class: "cell-note" }, o.org.country)),
    cell(2, `${o.answered_within_target} of ${o.asked}`,
      h("span", { class: "cell-note" }, o.asked ? percent(o.answered_within_target, o.asked) : "")),
    cell(3, hoursWords(o.median_hours_to_answer, "none answered")),
    cell(4, String(o.overdue)));
  return h("div", { class: "table-wrap" }, h("table", { role: "table", class: "ranking stack-table" }, caption,
    h("thead", { role: "rowgroup" }, h("tr", { role: "row" }, cols.map((t) => h("th", { role: "columnheader", scope: "col" }, t)))),
    h("tbody", { role: "rowgroup" }, orgs.map(row))));
}
