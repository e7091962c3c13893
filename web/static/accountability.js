// The words and marks of civic accountability that more than one page shows:
// a question's status and its steps, the Overdue mark, the Official mark on a
// post's author, durations ("2 days and 4 hours") and dates in words, and who
// took part by stakeholder type. No page state here; pages and the thread's
// modules import it (docs/web.md).

import { badge, h } from "./dom.js";
import { formatList, lang, t } from "./i18n.js";

/** A question's life, in order; `declined` ends it at any step. */
export const STEPS = [
  ["open", t("question.step.open")],
  ["acknowledged", t("question.status.acknowledged")],
  ["answered", t("question.status.answered")],
  ["in_progress", t("question.status.inProgress")],
  ["done", t("question.status.done")],
];

const STATUS_WORDS = {
  open: t("question.status.open"),
  acknowledged: t("question.status.acknowledged"),
  answered: t("question.status.answered"),
  in_progress: t("question.status.inProgress"),
  done: t("question.status.done"),
  declined: t("question.status.declined"),
};

/** What each status means, for the person who asked. */
export const STATUS_MEANING = {
  open: t("question.meaning.open"),
  acknowledged: t("question.meaning.acknowledged"),
  answered: t("question.meaning.answered"),
  in_progress: t("question.meaning.inProgress"),
  done: t("question.meaning.done"),
  declined: t("question.meaning.declined"),
};

export const statusWords = (status) => STATUS_WORDS[status] || status;

/** Who is asked: "the city" for a city, else the organization by name. */
export const askedWho = (org) => (!org ? t("question.who.organization")
  : org.kind === "local_government" ? t("question.who.city") : org.name);

// ---- dates and durations ----------------------------------------------------

const longDate = new Intl.DateTimeFormat(lang, { dateStyle: "long" });
const longDateTime = new Intl.DateTimeFormat(lang, { dateStyle: "long", timeStyle: "short" });
const monthYear = new Intl.DateTimeFormat(lang, { month: "long", year: "numeric", timeZone: "UTC" });
const shortMonth = new Intl.DateTimeFormat(lang, { month: "short", timeZone: "UTC" });
const utcDay = new Intl.DateTimeFormat(lang, { dateStyle: "long", timeZone: "UTC" });

/** "12 March 2026" in a <time>. */
export const dateEl = (iso) => h("time", { datetime: iso }, longDate.format(new Date(iso)));
/** "12 March 2026 at 14:05" in a <time>. */
export const dateTimeEl = (iso) => h("time", { datetime: iso }, longDateTime.format(new Date(iso)));
export const dateWords = (iso) => longDate.format(new Date(iso));
/** A day of the calendar ("2026-03-12", as reports give periods) in words. */
export const dayWords = (day) => utcDay.format(new Date(`${day}T00:00:00Z`));
/** A month (its first day, "2026-03-01") as "March 2026" and as "Mar". */
export const monthWords = (day) => monthYear.format(new Date(`${day}T00:00:00Z`));
export const monthShort = (day) => shortMonth.format(new Date(`${day}T00:00:00Z`));

/** Hours as people say them: "40 minutes", "5 hours", "3 days and 4 hours";
 * `none` when there is no figure (null). */
export function hoursWords(hours, none = t("time.noFigure")) {
  if (hours === null || hours === undefined) return none;
  const minutes = Math.round(hours * 60);
  if (minutes < 1) return t("time.underMinute");
  if (minutes < 60) return t("time.minutes", { count: minutes });
  const whole = Math.round(hours);
  if (whole < 48) return t("time.hours", { count: whole });
  const days = Math.floor(whole / 24);
  const rest = whole % 24;
  return rest ? formatList([t("time.days", { count: days }), t("time.hours", { count: rest })])
    : t("time.days", { count: days });
}

/** Whole days between now and `iso`, as "in 3 days" / "3 days ago" / "today". */
export function daysFromNow(iso) {
  const days = Math.round((new Date(iso).getTime() - Date.now()) / 86_400_000);
  return new Intl.RelativeTimeFormat(lang, { numeric: "auto" }).format(days, "day");
}

export const percent = (part, whole) => (whole ? t("number.percent", { n: Math.round((part / whole) * 100) })
  : t("question.noQuestions"));

// ---- marks ------------------------------------------------------------------

/** The badges of a topic in a list or a head: nothing for a discussion; for a
 * question, "Question", its status, and "Overdue" (in words, with a mark). */
export function questionBadges(topic) {
  const q = topic.kind === "question" ? topic.question : null;
  if (!q) return [];
  return [
    badge(t("question.badge"), "question"),
    h("span", { class: `badge status status-${q.status}` }, h("span", { class: "visually-hidden" }, t("question.statusLabel")), statusWords(q.status)),
    q.overdue ? overdueBadge() : null,
  ];
}

export function overdueBadge() {
  return h("span", { class: "badge badge-overdue" }, h("span", { "aria-hidden": "true", class: "overdue-icon" }, "!"), " ", t("question.overdue"));
}

/** The mark of a post whose author is an official of the organization
 * (`author.official`: {org_id, org_name}); nothing for anyone else. */
export function officialBadge(official, id) {
  if (!official) return null;
  return h("span", { class: "badge badge-official", id, title: t("official.title", { org: official.org_name }) },
    h("span", { "aria-hidden": "true", class: "official-icon" }, "◆"), " ", t("official.badge", { org: official.org_name }));
}

// ---- who took part --------------------------------------------------------

// [key, the catalogue's key of "N of them"]
export const PARTICIPANT_KINDS = [
  ["citizen", "took.citizens"],
  ["business", "took.businesses"],
  ["civil_society", "took.civilSociety"],
  ["academia", "took.academics"],
  ["government", "took.government"],
];

/** How many kinds of stakeholder took part, from a topic's `participation`
 * (or its `stakeholder_kinds` when a list carries only that); null if unknown. */
export function kindsOf(topic) {
  if (typeof topic.stakeholder_kinds === "number") return topic.stakeholder_kinds;
  if (topic.participation) return Object.values(topic.participation).filter((n) => n > 0).length;
  return null;
}

/** "3 citizens, 1 business and 2 government participants". */
export function participationWords(participation) {
  const parts = PARTICIPANT_KINDS.filter(([key]) => participation[key] > 0)
    .map(([key, words]) => t(words, { count: participation[key] }));
  if (parts.length === 0) return t("took.nobody");
  return formatList(parts);
}
