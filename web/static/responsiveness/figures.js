// The figures of a responsiveness report (a space's, an organization's or the
// network's): how many questions were asked in the period and what became of
// them, and the times to acknowledge and to answer, in words.

import { hoursWords, percent } from "../accountability.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";

/** The counts, each with its meaning. */
export function figuresList(r) {
  const item = (term, value, note) => h("div", { class: "figure-item" },
    h("dt", {}, term),
    h("dd", {}, h("span", { class: "figure" }, String(value)), note ? h("span", { class: "figure-note" }, note) : null));
  return h("dl", { class: "figures report-figures" },
    item(t("resp.questionsAsked"), r.asked),
    item(t("question.status.acknowledged"), r.acknowledged, r.asked ? t("figures.ofAsked", { share: percent(r.acknowledged, r.asked) }) : null),
    item(t("question.status.answered"), r.answered, r.asked ? t("figures.ofAsked", { share: percent(r.answered, r.asked) }) : null),
    item(t("resp.answeredWithinTarget"), r.answered_within_target,
      r.asked ? t("figures.ofAsked", { share: percent(r.answered_within_target, r.asked) }) : null),
    item(t("resp.overdueNow"), r.overdue, r.overdue ? t("resp.pastTheTargetNot") : t("figures.nonePast")),
    item(t("question.status.done"), r.done),
    item(t("question.status.declined"), r.declined));
}

/** "Half were answered within 2 days and 4 hours; 9 in 10 within 6 days." */
export function timesText(r) {
  const line = (what, median, p90) => {
    const label = h("strong", {}, t("figures.label", { what }));
    if (median === null || median === undefined) return h("p", {}, label, " ", t("resp.noQuestionOfThis"));
    return h("p", {}, label, " ", p90 === null || p90 === undefined
      ? t("figures.half", { median: hoursWords(median) })
      : t("figures.halfAndNine", { median: hoursWords(median), p90: hoursWords(p90) }));
  };
  return h("div", { class: "report-times" },
    line(t("resp.timeToAcknowledge"), r.median_hours_to_acknowledge, r.p90_hours_to_acknowledge),
    line(t("resp.timeToAnswer"), r.median_hours_to_answer, r.p90_hours_to_answer));
}
