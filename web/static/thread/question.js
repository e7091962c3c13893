// A question to the organization, on its topic page: where it is in its life
// (a step indicator: asked → acknowledged → answered → in progress → done, or
// declined with its reason), when an answer is due or that it is overdue, the
// answer, the history of every step (who, when, from → to, note), and for the
// people the server lets move it (officials, moderators, org admins) the form
// to move it. The page redraws it when `question.status_changed` arrives.

import { get, post as send } from "../api.js";
import {
  STATUS_MEANING, STEPS, askedWho, dateEl, dateTimeEl, dateWords, daysFromNow, statusWords,
} from "../accountability.js";
import { carryInput, clear, field, formError, h, onSubmit, select } from "../dom.js";
import { answerPostId, movesQuestion } from "./state.js";
import { t, tx } from "../i18n.js";

/** The steps the server allows from each status (docs/api.md): nothing goes
 * back, nothing is in progress or done before an answer, and done and
 * declined are final. */
const NEXT = {
  open: ["acknowledged", "answered", "declined"],
  acknowledged: ["answered", "declined"],
  answered: ["in_progress", "done", "declined"],
  in_progress: ["done", "declined"],
  done: [],
  declined: [],
};

export class QuestionPanel {
  /** {ctx, thread, changed(answerBefore)}: redraws what depends on the
   * question, given the post that answered it before (or null). */
  constructor({ ctx, thread, changed }) {
    this.ctx = ctx;
    this.thread = thread;
    this.changed = changed;
    this.el = h("section", { class: "question card", "aria-labelledby": "question-h" });
    this.historyEl = h("div", { class: "question-history" });
    this.historyTimer = null;
    ctx.cleanup(() => clearTimeout(this.historyTimer));
  }

  get question() {
    const { topic } = this.thread;
    return topic.kind === "question" ? topic.question : null;
  }

  /** Everything of the question as the thread holds it now. */
  draw() {
    const q = this.question;
    this.el.hidden = !q;
    if (!q) return;
    const who = askedWho(this.thread.org);
    const typed = this.el.querySelector("form.question-move");
    clear(this.el,
      h("h2", { id: "question-h" }, t("question.to", { who })),
      h("p", { class: "muted small" }, tx("question.askedBy", { name: q.asked_by.display_name, date: dateEl(q.asked_at) })),
      steps(q),
      h("p", { class: "status-now", tabindex: "-1" }, h("strong", {}, t("question.statusNow", { status: statusWords(q.status) })), " ",
        STATUS_MEANING[q.status] || ""),
      dueLine(q),
      answerLine(q),
      movesQuestion(this.thread) ? this.moveForm(typed) : null,
      this.historyEl);
  }

  /** The history, read again (at most once a quarter second). */
  loadHistory() {
    clearTimeout(this.historyTimer);
    this.historyTimer = setTimeout(() => this.readHistory().catch(() => {}), 250);
  }

  async readHistory() {
    if (!this.question) return;
    let changes;
    try {
      ({ changes } = await get(`/topics/${this.thread.topic.id}/status-history`, { signal: this.ctx.signal }));
    } catch (err) {
      if (err.name === "AbortError") return;
      clear(this.historyEl, h("h3", {}, t("post.history")), h("p", { class: "form-error" }, t("question.historyFailed", { message: err.message })));
      return;
    }
    clear(this.historyEl, h("h3", { id: "question-history-h" }, t("post.history")),
      h("ol", { class: "history-list", "aria-labelledby": "question-history-h" }, changes.map(historyItem)));
  }

  /** For officials, moderators and org admins: move the question, with a note;
   * `answered` may point at the post that answers, `declined` needs a reason. */
  moveForm(typed) {
    const q = this.question;
    const options = (NEXT[q.status] || []).map((s) => [s, statusWords(s)]);
    if (options.length === 0) {
      return h("p", { class: "muted" }, t("polls.thisQuestionIsClosed"));
    }
    const statusField = select({ label: t("polls.newStatus"), name: "status", options, value: options[0][0] });
    const answerField = select({ label: t("polls.thePostThatAnswers"), name: "answer_post_id",
      options: [["", t("polls.noParticularPost")], ...answerOptions(this.thread)], value: latestOfficial(this.thread),
      hint: t("polls.officialsPostsComeFirst") });
    const reasonField = field({ label: t("polls.whyItIsDeclined"), name: "reason", type: "textarea", rows: 2, maxlength: 2000 });
    const form = h("form", { class: "form question-move", "aria-labelledby": "question-move-h" },
      h("h3", { id: "question-move-h" }, t("polls.updateTheQuestion")),
      formError(), statusField, answerField, reasonField,
      field({ label: t("polls.noteOptionalEveryoneSees"), name: "note", type: "textarea", rows: 2, maxlength: 2000 }),
      h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, t("polls.updateStatus"))));
    const statusSelect = statusField.querySelector("select");
    const reason = reasonField.querySelector("textarea");
    const fit = () => {
      answerField.hidden = statusSelect.value !== "answered";
      reasonField.hidden = statusSelect.value !== "declined";
      reason.required = statusSelect.value === "declined";
    };
    carryInput(typed, form);
    statusSelect.addEventListener("change", fit);
    fit();
    onSubmit(form, async (data) => this.submit(data));
    return form;
  }

  async submit(data) {
    const body = { status: data.status };
    if (data.note) body.note = data.note;
    if (data.status === "answered" && data.answer_post_id) body.answer_post_id = Number(data.answer_post_id);
    if (data.status === "declined") body.reason = data.reason;
    const { topic } = await send(`/topics/${this.thread.topic.id}/status`, body);
    const before = answerPostId(this.thread);
    this.thread.topic = { ...this.thread.topic, ...topic };
    this.el.querySelector("form.question-move")?.remove();
    this.changed(before);
    this.loadHistory();
    this.ctx.announce(t("notice.questionStatus", { status: statusWords(topic.question.status) }));
    this.el.querySelector(".status-now")?.focus();
  }
}

/** The steps as an ordered list: done ones marked, the current one
 * aria-current; a declined question ends at "Declined" with its reason. */
function steps(q) {
  const keys = STEPS.map(([key]) => key);
  let reached = keys.indexOf(q.status);
  let shown = STEPS;
  if (q.status === "declined") {
    reached = q.answered_at ? 2 : q.acknowledged_at ? 1 : 0;
    shown = [...STEPS.slice(0, reached + 1), ["declined", t("question.status.declined")]];
    reached += 1;
  }
  return h("ol", { class: ["steps", q.status === "declined" && "is-declined"], "aria-label": t("polls.whereTheQuestionIs") },
    shown.map(([key, text], i) => {
      const state = i < reached ? "done" : i === reached ? "current" : "todo";
      const mark = state === "done" ? "✓" : key === "declined" ? "✕" : String(i + 1);
      return h("li", { class: `step is-${state} step-${key}`, "aria-current": state === "current" ? "step" : null },
        h("span", { class: "step-mark", "aria-hidden": "true" }, mark),
        h("span", { class: "step-text" }, text),
        h("span", { class: "visually-hidden" }, ` (${t(state === "done" ? "question.step.isDone" : state === "current" ? "question.step.now" : "question.step.toCome")})`));
    }));
}

function dueLine(q) {
  if (q.overdue) {
    return h("p", { class: "notice overdue-notice" }, tx("question.overdueLine", {
      overdue: h("strong", {}, t("question.overdue")), date: dateWords(q.due_at), when: daysFromNow(q.due_at) }));
  }
  if (q.status === "open" || q.status === "acknowledged") {
    return h("p", {}, tx("question.dueLine", { date: dateEl(q.due_at), when: daysFromNow(q.due_at) }));
  }
  return null;
}

function answerLine(q) {
  const parts = [];
  if (q.answered_at) {
    const late = new Date(q.answered_at) > new Date(q.due_at);
    parts.push(h("p", {}, tx(late ? "question.answeredLate" : "question.answeredInTime",
      { date: dateEl(q.answered_at), due: dateWords(q.due_at) }),
      q.answer_post_id ? [" ", h("a", { href: `#post-${q.answer_post_id}` }, t("polls.readTheAnswer"))] : null));
  }
  if (q.status === "declined") {
    const key = q.closed_at ? (q.reason ? "question.declinedOnReason" : "question.declinedOn")
      : (q.reason ? "question.declinedReason" : "question.declinedBare");
    parts.push(h("p", { class: "declined-reason" }, tx(key, {
      declined: h("strong", {}, t("question.status.declined")),
      date: q.closed_at ? dateEl(q.closed_at) : null, reason: q.reason })));
  } else if (q.status === "done" && q.closed_at) {
    parts.push(h("p", {}, tx("question.doneOn", { date: dateEl(q.closed_at) })));
  }
  return parts;
}

function historyItem(c) {
  const who = c.by ? t("question.byName", { name: c.by.display_name }) : t("polls.automaticallyWhenAnOfficial");
  return h("li", {},
    h("p", { class: "history-step" },
      c.from ? [h("span", {}, statusWords(c.from)), h("span", { "aria-hidden": "true" }, " → "), h("span", { class: "visually-hidden" }, ` ${t("question.history.to")} `)]
        : t("polls.asked"),
      h("strong", {}, statusWords(c.to))),
    h("p", { class: "muted small" }, who, " · ", dateTimeEl(c.at)),
    c.note ? h("p", { class: "history-note" }, c.note) : null,
    c.answer_post_id ? h("p", { class: "small" }, h("a", { href: `#post-${c.answer_post_id}` }, t("polls.thePostThatAnswers2"))) : null);
}

/** Posts that may answer, officials' first, each named by author, date and its first words. */
function answerOptions(thread) {
  const posts = [...thread.posts.values()].filter((p) => !p.deleted && !p.hidden && !p.pending);
  posts.sort((a, b) => Boolean(b.author.official) - Boolean(a.author.official) || b.id - a.id);
  return posts.map((p) => {
    const words = (p.body || "").replace(/\s+/g, " ").trim();
    const excerpt = words.length > 60 ? `${words.slice(0, 57)}…` : words;
    return [String(p.id), t(p.author.official ? "question.answerOption.official" : "question.answerOption",
      { name: p.author.display_name, date: dateWords(p.created_at), excerpt })];
  });
}

function latestOfficial(thread) {
  const official = [...thread.posts.values()].filter((p) => p.author.official && !p.deleted && !p.hidden)
    .sort((a, b) => b.id - a.id)[0];
  return official ? String(official.id) : "";
}
