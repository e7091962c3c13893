// The figures of a responsiveness report (a space's, an organization's or the
// network's): how many questions were asked in the period and what became of
// them, and the times to acknowledge and to answer, in words.

import { hoursWords, percent } from "../accountability.js";
import { h } from "../dom.js";

/** The counts, each with its meaning. */
export function figuresList(r) {
  const item = (term, value, note) => h("div", { class: "figure-item" },
    h("dt", {}, term),
    h("dd", {}, h("span", { class: "figure" }, String(value)), note ? h("span", { class: "figure-note" }, note) : null));
  return h("dl", { class: "figures report-figures" },
    item("Questions asked", r.asked),
    item("Acknowledged", r.acknowledged, r.asked ? `${percent(r.acknowledged, r.asked)} of those asked` : null),
    item("Answered", r.answered, r.asked ? `${percent(r.answered, r.asked)} of those asked` : null),
    item("Answered within target", r.answered_within_target,
      r.asked ? `${percent(r.answered_within_target, r.asked)} of those asked` : null),
    item("Overdue now", r.overdue, r.overdue ? "past the target, not answered" : "none past the target"),
    item("Done", r.done),
    item("Declined", r.declined));
}

/** "Half were answered within 2 days and 4 hours; 9 in 10 within 6 days." */
export function timesText(r) {
  const line = (what, median, p90) => {
    if (median === null || median === undefined) return h("p", {}, h("strong", {}, `${what}: `), "no question of this period has reached that step yet.");
    return h("p", {}, h("strong", {}, `${what}: `),
      `half within ${hoursWords(median)}`,
      p90 === null || p90 === undefined ? "." : `; 9 in 10 within ${hoursWords(p90)}.`);
  };
  return h("div", { class: "report-times" },
    line("Time to acknowledge", r.median_hours_to_acknowledge, r.p90_hours_to_acknowledge),
    line("Time to answer", r.median_hours_to_answer, r.p90_hours_to_answer));
}
