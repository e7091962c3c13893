// The words and marks of civic accountability that more than one page shows:
// a question's status and its steps, the Overdue mark, the Official mark on a
// post's author, durations ("2 days and 4 hours") and dates in words, and who
// took part by stakeholder type. No page state here; pages and the thread's
// modules import it (docs/web.md).

import { badge, h } from "./dom.js";

/** A question's life, in order; `declined` ends it at any step. */
export const STEPS = [
  ["open", "Asked"],
  ["acknowledged", "Acknowledged"],
  ["answered", "Answered"],
  ["in_progress", "In progress"],
  ["done", "Done"],
];

const STATUS_WORDS = {
  open: "Open",
  acknowledged: "Acknowledged",
  answered: "Answered",
  in_progress: "In progress",
  done: "Done",
  declined: "Declined",
};

/** What each status means, for the person who asked. */
export const STATUS_MEANING = {
  open: "Asked, waiting for the organization to take it up.",
  acknowledged: "The organization has seen the question and is working on an answer.",
  answered: "The organization answered.",
  in_progress: "The organization is acting on it.",
  done: "The organization says it is done.",
  declined: "The organization declined to act on it.",
};

export const statusWords = (status) => STATUS_WORDS[status] || status;

/** Who is asked: "the city" for a city, else the organization by name. */
export const askedWho = (org) => (!org ? "the organization"
  : org.kind === "local_government" ? "the city" : org.name);

// ---- dates and durations ----------------------------------------------------

const longDate = new Intl.DateTimeFormat(undefined, { dateStyle: "long" });
const longDateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "long", timeStyle: "short" });
const monthYear = new Intl.DateTimeFormat(undefined, { month: "long", year: "numeric", timeZone: "UTC" });
const shortMonth = new Intl.DateTimeFormat(undefined, { month: "short", timeZone: "UTC" });
const utcDay = new Intl.DateTimeFormat(undefined, { dateStyle: "long", timeZone: "UTC" });

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

const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

/** Hours as people say them: "40 minutes", "5 hours", "3 days and 4 hours";
 * `none` when there is no figure (null). */
export function hoursWords(hours, none = "no figure yet") {
  if (hours === null || hours === undefined) return none;
  const minutes = Math.round(hours * 60);
  if (minutes < 1) return "less than a minute";
  if (minutes < 60) return plural(minutes, "minute", "minutes");
  const whole = Math.round(hours);
  if (whole < 48) return plural(whole, "hour", "hours");
  const days = Math.floor(whole / 24);
  const rest = whole % 24;
  return rest ? `${plural(days, "day", "days")} and ${plural(rest, "hour", "hours")}` : plural(days, "day", "days");
}

/** Whole days between now and `iso`, as "in 3 days" / "3 days ago" / "today". */
export function daysFromNow(iso) {
  const days = Math.round((new Date(iso).getTime() - Date.now()) / 86_400_000);
  if (days === 0) return "today";
  return days > 0 ? `in ${plural(days, "day", "days")}` : `${plural(-days, "day", "days")} ago`;
}

export const percent = (part, whole) => (whole ? `${Math.round((part / whole) * 100)} %` : "no questions");

// ---- marks ------------------------------------------------------------------

/** The badges of a topic in a list or a head: nothing for a discussion; for a
 * question, "Question", its status, and "Overdue" (in words, with a mark). */
export function questionBadges(topic) {
  const q = topic.kind === "question" ? topic.question : null;
  if (!q) return [];
  return [
    badge("Question", "question"),
    h("span", { class: `badge status status-${q.status}` }, h("span", { class: "visually-hidden" }, "Status: "), statusWords(q.status)),
    q.overdue ? overdueBadge() : null,
  ];
}

export function overdueBadge() {
  return h("span", { class: "badge badge-overdue" }, h("span", { "aria-hidden": "true", class: "overdue-icon" }, "!"), " Overdue");
}

/** The mark of a post whose author is an official of the organization
 * (`author.official`: {org_id, org_name}); nothing for anyone else. */
export function officialBadge(official, id) {
  if (!official) return null;
  return h("span", { class: "badge badge-official", id, title: `An official of ${official.org_name}: answers in its name` },
    h("span", { "aria-hidden": "true", class: "official-icon" }, "◆"), ` Official, ${official.org_name}`);
}

// ---- who took part --------------------------------------------------------

export const PARTICIPANT_KINDS = [
  ["citizen", "citizen", "citizens"],
  ["business", "business", "businesses"],
  ["civil_society", "civil society participant", "civil society participants"],
  ["academia", "academic", "academics"],
  ["government", "government participant", "government participants"],
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
    .map(([key, one, many]) => plural(participation[key], one, many));
  if (parts.length === 0) return "nobody has posted yet";
  return parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`;
}
