// The network's ranking of organizations, as a real table a screen reader
// can read: a caption, column headers, the organization as each row's
// header, and an organization with too few questions said to be unranked.

import { dayWords, hoursWords, percent } from "../accountability.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";

/** The fewest questions in a period for a rank (the server decides; it says
 * so by a null rank, this is only for the words). */
const RANKED_FROM = 5;

export function rankingTable(report) {
  const { orgs, period } = report;
  if (orgs.length === 0) return h("p", { class: "muted" }, t("resp.noOrganizationHadA"));
  const caption = h("caption", {},
    t("resp.organizationsRankedByThe"),
    h("span", { class: "cell-note" }, t("resp.period.span", { from: dayWords(period.from), to: dayWords(period.to) })));
  const cols = [t("resp.rank"), t("moderation.queue.org"), t("resp.answeredWithinTarget"), t("resp.medianTimeToAnswer"), t("resp.overdueNow")];
  // Explicit roles: on a phone the rows are laid out as cards (app.css), and
  // the roles keep them a table for screen readers whatever the layout.
  const cell = (i, ...content) => h("td", { role: "cell", "data-label": cols[i] }, h("span", {}, ...content));
  const row = (o) => h("tr", { role: "row", class: o.rank === null ? "is-unranked" : null },
    h("td", { role: "cell", class: "rank", "data-label": cols[0] }, h("span", {}, o.rank === null
      ? [t("resp.notRanked"), h("span", { class: "cell-note" }, t("ranking.fewer", { count: RANKED_FROM }))]
      : String(o.rank))),
    h("th", { role: "rowheader", scope: "row" }, h("a", { href: `/orgs/${o.org.id}?view=responsiveness` }, o.org.name),
      h("span", { class: "cell-note" }, o.org.country)),
    cell(2, t("ranking.of", { n: o.answered_within_target, count: o.asked }),
      h("span", { class: "cell-note" }, o.asked ? percent(o.answered_within_target, o.asked) : "")),
    cell(3, hoursWords(o.median_hours_to_answer, t("ranking.noneAnswered"))),
    cell(4, String(o.overdue)));
  return h("div", { class: "table-wrap" }, h("table", { role: "table", class: "ranking stack-table" }, caption,
    h("thead", { role: "rowgroup" }, h("tr", { role: "row" }, cols.map((t) => h("th", { role: "columnheader", scope: "col" }, t)))),
    h("tbody", { role: "rowgroup" }, orgs.map(row))));
}
