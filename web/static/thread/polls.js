// A topic's polls: results as bars for every reader, vote buttons while a poll
// takes votes, a form to open one for the topic's author and the moderators
// (when the organization's entitlements include polls), live updates from the
// poll.* events of the topic channel. What the server refuses, it explains.

import { ApiError, api, get, post } from "../api.js";
import { clear, field, formError, h, onSubmit, timeEl } from "../dom.js";
import { tierMessage, tierName, tierNotice } from "../widgets.js";
import { t, tx } from "../i18n.js";

const MAX_OPTIONS = 10;

const READ_ONLY = {
  closed: t("polls.thisPollIsClosed"),
  topic_locked: t("polls.thisTopicIsLocked"),
  topic_archived: t("polls.thisTopicIsArchived"),
  tier: t("polls.votingIsPausedThis"),
};

/** One option of a poll: its share as a bar, and a vote button when `vote`
 * (vote(option, isMyVote, button)) is given. */
function optionItem(poll, o, vote) {
  const total = poll.total_votes;
  const share = total ? Math.round((o.votes / total) * 100) : 0;
  const mine = poll.my_vote === o.id;
  const labelId = `poll-${poll.id}-opt-${o.id}`;
  return h("li", { class: ["poll-option", mine && "is-mine"], dataset: { optionId: String(o.id) } },
    h("div", { class: "poll-option-head" },
      h("span", { class: "poll-label", id: labelId, dir: "auto" }, o.label),
      h("span", { class: "poll-count" }, `${o.votes} ${o.votes === 1 ? "vote" : "votes"} · ${share}%`)),
    h("progress", { class: "poll-bar", max: String(Math.max(total, 1)), value: String(o.votes), "aria-labelledby": labelId }),
    vote ? h("button", {
      type: "button",
      class: "poll-vote",
      "aria-pressed": String(mine),
      "aria-describedby": labelId,
      onclick: (event) => vote(o, mine, event.currentTarget),
    }, mine ? t("polls.yourVote") : t("polls.vote")) : (mine ? h("span", { class: "badge" }, t("polls.yourVote")) : null));
}

/** Who asked, when, how many votes, when it closes. */
function pollMeta(poll) {
  const total = poll.total_votes;
  const meta = h("p", { class: "muted small" }, t("polls.askedBy", { name: poll.created_by.display_name }), " · ",
    timeEl(poll.created_at), " · ", t("polls.votes", { count: total }));
  if (poll.closed && poll.closed_at) meta.append(" · ", tx("polls.closedAt", { time: timeEl(poll.closed_at) }));
  else if (poll.closes_at) {
    meta.append(" · ", tx(poll.closed ? "polls.closedAt" : "polls.closesAt", { time: timeEl(poll.closes_at) }));
  }
  return meta;
}

/** The form that opens a poll in the topic: opened(poll) once the server
 * answered, cancel() to close it. */
function pollForm(topicId, { opened, cancel }) {
  const optionList = h("div", { class: "poll-option-fields" });
  const addOption = (required) => {
    const n = optionList.childNodes.length + 1;
    optionList.append(field({ label: t("polls.option", { n }), name: "options", maxlength: 120, required }));
    addButton.hidden = optionList.childNodes.length >= MAX_OPTIONS;
  };
  const addButton = h("button", { type: "button", class: "linklike", onclick: () => {
    addOption(false);
    optionList.lastChild.querySelector("input").focus();
  } }, t("polls.addAnOption"));
  const form = h("form", { class: "card form poll-form", "aria-label": t("polls.createAPoll") }, formError(),
    field({ label: t("question.badge"), name: "question", required: true, maxlength: 300 }),
    optionList, addButton,
    field({ label: t("polls.closesAtOptional"), name: "closes_at", type: "datetime-local",
      hint: t("polls.leaveEmptyToClose") }),
    h("div", { class: "actions" },
      h("button", { type: "submit", class: "primary" }, t("polls.openPoll")),
      h("button", { type: "button", onclick: cancel }, t("composer.cancel"))));
  addOption(true);
  addOption(true);
  onSubmit(form, async (data) => {
    const options = [...form.querySelectorAll("input[name=options]")].map((i) => i.value.trim()).filter(Boolean);
    const body = { question: data.question, options };
    if (data.closes_at) body.closes_at = new Date(data.closes_at).toISOString();
    let poll;
    try {
      ({ poll } = await post(`/topics/${topicId}/polls`, body));
    } catch (err) {
      if (err instanceof ApiError && err.requiredTier) err.message = tierMessage(err);
      throw err;
    }
    opened(poll);
  });
  return form;
}

/**
 * The polls section of a topic page.
 * `state()` answers {topic, org, me, isMod} as the page knows them now.
 * Answers {el, load, reload, onEvent, redraw}.
 */
export function pollsSection({ topicId, signal, announce, state }) {
  const polls = new Map(); // poll id -> poll
  const list = h("div", { class: "poll-list" });
  const formSlot = h("div", { class: "poll-form-slot" });
  const heading = h("h2", { id: "polls-h" }, t("polls.polls"));
  const el = h("section", { class: "polls", "aria-labelledby": "polls-h", hidden: true },
    heading, list, formSlot);
  const messages = new Map(); // poll id -> {text, error}
  let formOpen = false;

  const canOpen = () => {
    const { topic, me, isMod } = state();
    return Boolean(me) && (isMod || topic.author.id === me.id);
  };

  function put(poll, { fromEvent = false } = {}) {
    const known = polls.get(poll.id);
    // An event carries what an anonymous reader sees: keep our own vote and role.
    const merged = fromEvent && known
      ? { ...poll, my_vote: known.my_vote, can_close: known.can_close && !poll.closed }
      : poll;
    if (fromEvent && !known) {
      const { me, isMod } = state();
      merged.can_close = Boolean(me) && !poll.closed && (isMod || poll.created_by.id === me.id);
    }
    polls.set(poll.id, merged);
  }

  function drawPoll(poll) {
    const { me } = state();
    const voting = Boolean(me) && poll.accepting_votes;
    const vote = (o, mine, button) => act(poll, button, () => api("PUT", `/polls/${poll.id}/vote`, { option_id: o.id }),
      mine ? null : t("polls.youVotedFor", { option: o.label }));
    const options = h("ul", { class: "poll-options" }, poll.options.map((o) => optionItem(poll, o, voting && vote)));
    const actions = h("div", { class: "poll-actions" });
    if (voting && poll.my_vote !== null && poll.my_vote !== undefined) {
      actions.append(h("button", { type: "button", class: "linklike", onclick: (event) => act(poll, event.currentTarget,
        () => api("DELETE", `/polls/${poll.id}/vote`), t("polls.yourVoteWasWithdrawn")) }, t("polls.withdrawMyVote")));
    }
    if (poll.can_close && !poll.closed) {
      actions.append(h("button", { type: "button", class: "linklike", onclick: (event) => act(poll, event.currentTarget,
        () => post(`/polls/${poll.id}/close`), t("polls.thePollIsClosed")) }, t("polls.closePoll")));
    }
    const msg = messages.get(poll.id);
    return h("article", { class: ["poll", poll.accepting_votes ? "" : "is-read-only"], id: `poll-${poll.id}`, dataset: { pollId: String(poll.id) } },
      h("h3", { class: "poll-question", dir: "auto" }, poll.question),
      pollMeta(poll),
      poll.read_only_reason ? h("p", { class: "notice poll-note" }, READ_ONLY[poll.read_only_reason] || t("polls.thisPollTakesNo")) : null,
      !me && poll.accepting_votes ? h("p", { class: "muted small" }, t("polls.signInToVote")) : null,
      options,
      actions.childNodes.length ? actions : null,
      msg ? h("p", { class: msg.error ? "form-error" : "notice", role: msg.error ? "alert" : "status" }, msg.text) : null);
  }

  async function act(poll, button, call, done) {
    button.disabled = true;
    messages.delete(poll.id);
    try {
      const { poll: fresh } = await call();
      put(fresh);
      if (done) announce(done);
    } catch (err) {
      messages.set(poll.id, { text: tierNotice(err), error: true });
      // The poll may have changed under us (closed, downgraded): show it as it is.
      if (err instanceof ApiError && [402, 409].includes(err.status)) {
        try {
          put((await get(`/polls/${poll.id}`, { signal })).poll);
        } catch (e) {
          if (e.name === "AbortError") return;
        }
      }
    }
    redraw();
    document.querySelector(`#poll-${poll.id} .poll-vote[aria-pressed=true], #poll-${poll.id} .poll-vote, #poll-${poll.id}`)?.focus();
  }

  function drawForm() {
    clear(formSlot);
    const { topic, org, isMod } = state();
    if (!canOpen() || topic.locked || topic.archived) return;
    if (!(org && org.entitlements && org.entitlements.capabilities.polls)) {
      // Told to the moderators and admins, who can ask for a higher tier.
      if (isMod && org && org.entitlements) {
        formSlot.append(h("p", { class: "muted small poll-gate" },
          t("polls.notInTier", { tier: tierName(org.tier) })));
      }
      return;
    }
    if (!formOpen) {
      formSlot.append(h("button", { type: "button", class: "poll-open", onclick: () => {
        formOpen = true;
        drawForm();
        formSlot.querySelector("input")?.focus();
      } }, t("polls.createAPoll")));
      return;
    }
    formSlot.append(pollForm(topicId, {
      opened: (poll) => {
        put(poll);
        formOpen = false;
        redraw();
        announce(t("polls.yourPollIsOpen"));
      },
      cancel: () => {
        formOpen = false;
        drawForm();
      },
    }));
  }

  function redraw() {
    const sorted = [...polls.values()].sort((a, b) => a.id - b.id);
    // Keep an open form (and what was typed in it) while results change.
    const keepForm = formOpen && formSlot.querySelector("form");
    clear(list, sorted.map(drawPoll));
    if (!keepForm) drawForm();
    el.hidden = sorted.length === 0 && !formSlot.childNodes.length;
  }

  async function load() {
    try {
      const { polls: fresh } = await get(`/topics/${topicId}/polls`, { signal });
      polls.clear();
      for (const p of fresh) put(p);
    } catch (err) {
      if (err.name === "AbortError") throw err;
      clear(list, h("p", { class: "form-error", role: "alert" }, t("polls.loadFailed", { message: err.message })));
      el.hidden = false;
      return;
    }
    redraw();
  }

  /** A poll.* event of the topic channel: answers true if it was one. */
  function onEvent(msg) {
    if (!msg.name || !msg.name.startsWith("poll.")) return false;
    const data = msg.data || {};
    if (data.topic_id !== undefined && String(data.topic_id) !== String(topicId)) return true;
    put(data, { fromEvent: true });
    if (msg.name === "poll.created") announce(t("polls.new", { question: data.question }));
    redraw();
    return true;
  }

  return { el, load, reload: () => load().catch(() => {}), onEvent, redraw };
}
