// The consensus map of a topic (premium; docs/consensus.md): the next statement
// to vote on with three large buttons, a form to propose one, the map of opinion
// groups drawn as SVG (your own point marked) with a table of the groups and
// what sets each apart as its text alternative, and the statements every group
// agrees on. Moderators open and close rounds and accept or reject proposals.
// It follows `consensus.updated` on the topic channel: the map redraws live.

import { ApiError, api, get, post, serverHas } from "./api.js";
import { clear, field, formError, h, onSubmit, plansLink, timeEl } from "./dom.js";
import { tierMessage, tierName, tierNotice } from "./widgets.js";
import { t } from "./i18n.js";

const MIN_PROPOSAL = 140;
const MAX_PROPOSAL = 280;
const SVG_NS = "http://www.w3.org/2000/svg";
const VOTE_WORDS = { agree: t("reaction.agree"), disagree: t("reaction.disagree"), pass: t("cons.passUnsure") };
const READ_ONLY = {
  closed: t("cons.thisRoundIsClosed"),
  topic_locked: t("cons.thisTopicIsLocked"),
  topic_archived: t("cons.thisTopicIsArchived"),
  tier: t("cons.votingIsPausedThis"),
};

/** "Group A" for group id 0. */
// A proposal's status ("pending", "accepted", "rejected") in words.
const statusWord = (status) => (["pending", "accepted", "rejected"].includes(status) ? t(`cons.status.${status}`) : status);

export const groupName = (id) => t("cons.groupName", { letter: String.fromCharCode(65 + (id % 26)) });

// What keeps the focus across a live redraw, the proposal being typed first.
const KEEP_FOCUS = [".cmap-propose textarea", ".cmap-choice-agree", ".cmap-choice-disagree",
  ".cmap-choice-pass", ".cmap-all summary", ".cmap-done"];
// Where the focus goes on when what held it is gone: the next choice, or the message;
// else (the statement being voted on, its buttons disabled until the vote is in) its card.
const GO_ON = [".cmap-choice:not(:disabled)", ".cmap-done", ".cmap-message"].join(", ");
const goOn = (body) => body.querySelector(GO_ON) || body.querySelector(".cmap-vote");

// A button disabled while it works drops the focus to the page's body.
const dropped = () => document.activeElement === document.body || document.activeElement === null;
// Whether the reader is (still) in `body`: the focus in it, or dropped from it.
const stillIn = (body) => dropped() || body.contains(document.activeElement);

/** The KEEP_FOCUS selector of what holds the focus inside `body`, if anything does. */
const focusIn = (body) => KEEP_FOCUS.find((sel) => document.activeElement
  && document.activeElement.matches(sel) && body.contains(document.activeElement));

/** After a redraw of `body`: the focus back on what held it, or, the element gone
 * (the last statement voted on), on where to go on. A redraw while a vote is in
 * flight (its button disabled, the focus dropped to the page) puts it there too. */
function refocus(body, focused, voting) {
  if (focused) (body.querySelector(`${focused}:not(:disabled)`) || goOn(body))?.focus();
  else if (voting && dropped()) goOn(body)?.focus();
}

const percent = (share) => `${Math.round(share * 100)}%`;

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") el.setAttribute("class", Array.isArray(value) ? value.filter(Boolean).join(" ") : value);
    else el.setAttribute(key, String(value));
  }
  for (const child of children) {
    if (child) el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** The map: each group as a soft region around its people, each person a dot,
 * the reader's own point ringed. Described in words for screen readers. */
export function drawMap(round) {
  const size = 320;
  const pad = 22;
  const points = round.points;
  const extent = Math.max(1e-6, ...points.flatMap((p) => [Math.abs(p.x), Math.abs(p.y)]));
  const scale = (size / 2 - pad) / extent;
  const at = (p) => [size / 2 + p.x * scale, size / 2 - p.y * scale];
  const titleId = `cmap-title-${round.id}`;
  const descId = `cmap-desc-${round.id}`;
  const sizes = round.groups.map((g) => t("cons.groupSize", { group: groupName(g.id), count: g.size }));
  const where = round.me ? t("cons.youAreIn", { group: groupName(round.me.group) }) : "";
  const el = svg("svg", { class: "cmap", viewBox: `0 0 ${size} ${size}`, role: "img",
    "aria-labelledby": `${titleId} ${descId}` },
  svg("title", { id: titleId }, t("cons.opinionMap")),
  svg("desc", { id: descId }, points.length
    ? [t("cons.mapDesc", { count: points.length, groups: t("cons.groupCount", { count: round.groups.length }) }),
      `${sizes.join("; ")}.`, where, t("cons.tableBelow")].filter(Boolean).join(" ")
    : t("cons.nobodyIsOnThe")),
  svg("rect", { class: "cmap-frame", x: 1, y: 1, width: size - 2, height: size - 2, rx: 10 }),
  svg("line", { class: "cmap-axis", x1: size / 2, y1: pad / 2, x2: size / 2, y2: size - pad / 2 }),
  svg("line", { class: "cmap-axis", x1: pad / 2, y1: size / 2, x2: size - pad / 2, y2: size / 2 }));
  for (const group of round.groups) {
    const members = points.filter((p) => p.group === group.id).map(at);
    if (!members.length) continue;
    const cx = members.reduce((s, [x]) => s + x, 0) / members.length;
    const cy = members.reduce((s, [, y]) => s + y, 0) / members.length;
    const spread = (axis, c) => Math.sqrt(members.reduce((s, m) => s + (m[axis] - c) ** 2, 0) / members.length);
    el.append(svg("ellipse", { class: ["cmap-region", `cmap-g${group.id % 6}`], cx, cy,
      rx: Math.min(size / 4, Math.max(14, 2 * spread(0, cx))),
      ry: Math.min(size / 4, Math.max(14, 2 * spread(1, cy))) }));
    el.append(svg("text", { class: "cmap-label", x: Math.min(size - 34, Math.max(34, cx)),
      y: Math.max(14, cy - Math.max(14, 2 * spread(1, cy)) - 4),
      "text-anchor": "middle" }, groupName(group.id)));
  }
  for (const p of points) {
    const [x, y] = at(p);
    el.append(svg("circle", { class: ["cmap-dot", `cmap-g${p.group % 6}`], cx: x, cy: y, r: 3.2 }));
  }
  if (round.me) {
    const [x, y] = at(round.me);
    el.append(svg("circle", { class: "cmap-me", cx: x, cy: y, r: 8 }));
    el.append(svg("text", { class: "cmap-label cmap-me-label", x, y: y + 20, "text-anchor": "middle" }, t("cons.you")));
  }
  return el;
}

/** The groups and their defining statements: the map's text alternative. */
function groupsTable(round, textOf) {
  if (!round.groups.length) return null;
  return h("div", { class: "table-wrap" }, h("table", { class: "cmap-groups" },
    h("caption", {}, t("cons.opinionGroupsAndWhat")),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("cons.group")),
      h("th", { scope: "col" }, t("cons.statementsThatSetIt")))),
    h("tbody", {}, round.groups.map((g) => h("tr", { class: round.me && round.me.group === g.id ? "is-mine" : "" },
      h("th", { scope: "row" }, h("span", { class: ["cmap-swatch", `cmap-g${g.id % 6}`], "aria-hidden": "true" }),
        groupName(g.id), round.me && round.me.group === g.id ? t("cons.yours") : "",
        h("span", { class: "cmap-size" }, `${g.size} ${g.size === 1 ? "person" : "people"}`)),
      h("td", {}, g.representative.length
        ? h("ul", { class: "cmap-reps" }, g.representative.map((r) => h("li", {},
          h("span", { class: ["badge", r.direction === "agree" ? "cmap-agree" : "cmap-disagree"] },
            `${percent(r.share)} ${r.direction === "agree" ? "agree" : "disagree"}`), " ", textOf(r.statement_id))))
        : h("span", { class: "muted" }, t("cons.nothingSetsItApart"))))))));
}

/** The statements every group agrees (or disagrees) with, the most shared first. */
function consensusList(round, textOf) {
  return h("div", { class: "cmap-consensus" },
    h("h4", {}, t("cons.whereTheGroupsAgree")),
    round.consensus.length
      ? h("ol", {}, round.consensus.map((c) => h("li", {},
        h("span", { class: ["badge", c.direction === "agree" ? "cmap-agree" : "cmap-disagree"] },
          c.direction === "agree" ? t("cons.everyGroupAgrees") : t("cons.everyGroupDisagrees")),
        " ", textOf(c.statement_id),
        h("span", { class: "muted small" }, ` · ${t("cons.sharedBy", { share: percent(c.score) })}`))))
      : h("p", { class: "muted" }, t("cons.noStatementIsShared")));
}

/** The form that opens a round (the space's moderators, premium). */
function roundForm(topicId, { opened, cancel }) {
  const form = h("form", { class: "card form cmap-form", "aria-label": t("cons.openAConsensusRound") }, formError(),
    field({ label: t("cons.prompt"), name: "prompt", required: true, maxlength: 500,
      hint: t("cons.theQuestionPeopleRespond") }),
    field({ label: t("cons.firstStatementsOnePer"), name: "statements", type: "textarea", rows: 5,
      hint: t("cons.shortSingleIdeaStatements") }),
    h("div", { class: "field field-check" },
      h("label", {}, h("input", { type: "checkbox", name: "open_submissions" }),
        t("cons.publishProposalsWithoutReview"))),
    h("div", { class: "actions" },
      h("button", { type: "submit", class: "primary" }, t("cons.openRound")),
      h("button", { type: "button", onclick: cancel }, t("composer.cancel"))));
  onSubmit(form, async (data) => {
    const statements = String(data.statements || "").split("\n").map((s) => s.trim()).filter(Boolean);
    try {
      const { round } = await post(`/topics/${topicId}/consensus`,
        { prompt: data.prompt, statements, open_submissions: Boolean(data.open_submissions) });
      opened(round);
    } catch (err) {
      if (err instanceof ApiError && err.requiredTier) err.message = tierMessage(err);
      throw err;
    }
  });
  return form;
}

/** The proposal form, with a live count of characters. */
function proposalForm(round, proposed) {
  const counter = h("p", { class: "hint", "aria-live": "polite" }, t("cons.chars", { min: MIN_PROPOSAL, max: MAX_PROPOSAL }));
  const area = field({ label: t("cons.proposeAStatement"), name: "text", type: "textarea", rows: 3,
    maxlength: MAX_PROPOSAL, required: true });
  const input = area.querySelector("textarea");
  input.addEventListener("input", () => {
    const n = input.value.trim().replace(/\s+/g, " ").length;
    counter.textContent = t("cons.charsOf", { n, min: MIN_PROPOSAL, max: MAX_PROPOSAL });
  });
  const form = h("form", { class: "cmap-propose" }, formError(), area, counter,
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("cons.propose"))));
  onSubmit(form, async (data) => {
    const { statement } = await post(`/consensus/${round.id}/statements`, { text: data.text });
    proposed(statement);
  });
  return form;
}

/** The next statement and the three buttons (or why there is nothing to vote on). */
function voteCard({ round, next, me, act, votingOn }) {
  if (!round.accepting_votes) return null;
  if (!me) return h("p", { class: "muted" }, t("cons.signInToVote"));
  if (!next) return h("p", { class: "notice cmap-done", tabindex: "-1" }, t("cons.youHaveVotedOn"));
  const textId = `cmap-next-${next.id}`;
  const vote = (choice) => act(() => api("PUT", `/consensus/${round.id}/statements/${next.id}/vote`, { vote: choice }),
    t("cons.voteCounted", { vote: VOTE_WORDS[choice] }), next.id);
  // While a vote on this statement is in flight (a live redraw may show it again),
  // its buttons stay disabled: another Enter would change the vote.
  const busy = votingOn === next.id;
  return h("div", { class: "cmap-vote card", tabindex: "-1" },
    h("p", { class: "muted small" }, t("cons.progress", { voted: round.my_votes, left: round.remaining })),
    h("blockquote", { id: textId, class: "cmap-statement", dir: "auto" }, next.text),
    h("div", { class: "cmap-buttons", role: "group", "aria-label": t("cons.yourVoteOnThis") },
      ["agree", "disagree", "pass"].map((choice) => h("button", {
        type: "button", class: ["cmap-choice", `cmap-choice-${choice}`], "aria-describedby": textId,
        disabled: busy,
        onclick: (event) => {
          event.currentTarget.disabled = true;
          vote(choice);
        },
      }, VOTE_WORDS[choice]))));
}

/** Pending proposals to accept or reject, and closing the round (moderators). */
function moderation({ round, isMod, act }) {
  if (!isMod) return null;
  const pending = round.statements.filter((s) => s.status === "pending");
  const tools = h("div", { class: "cmap-moderation" });
  if (pending.length && round.accepting_votes) {
    tools.append(h("h4", {}, t("cons.waiting", { count: pending.length })), h("ul", { class: "cmap-pending" },
      pending.map((s) => h("li", {}, h("p", { dir: "auto" }, s.text), h("div", { class: "actions" },
        h("button", { type: "button", onclick: () => act(() => post(`/consensus/${round.id}/statements/${s.id}/accept`), t("cons.theStatementIsPublished")) }, t("cons.accept")),
        h("button", { type: "button", onclick: () => act(() => post(`/consensus/${round.id}/statements/${s.id}/reject`), t("cons.theStatementIsRejected")) }, t("notif.reject")))))));
  }
  if (round.status === "open") {
    tools.append(h("button", { type: "button", class: "linklike", onclick: () => act(
      () => post(`/consensus/${round.id}/close`), t("cons.theRoundIsClosed")) }, t("cons.closeRound")));
  }
  return tools.childNodes.length ? tools : null;
}

/** A round: its vote card, map, groups, consensus, statements and forms. */
function drawRound(view) {
  const { round, message, me, isMod, act } = view;
  const textOf = (id) => {
    const s = round.statements.find((x) => x.id === id);
    return s ? s.text : "(a statement)";
  };
  const accepted = round.statements.filter((s) => s.status === "accepted");
  const mine = round.statements.filter((s) => s.status !== "accepted");
  return h("article", { class: ["cmap-round", round.accepting_votes ? "" : "is-read-only"] },
    h("h3", { class: "cmap-prompt" }, round.prompt),
    h("p", { class: "muted small" }, round.status === "open" ? t("question.status.open") : t("cons.closed"),
      ` · ${t("cons.participants", { count: round.participants })}`,
      round.computed_at ? [t("cons.mapUpdated"), timeEl(round.computed_at)] : ""),
    round.read_only_reason ? h("p", { class: "notice" }, READ_ONLY[round.read_only_reason] || t("cons.thisRoundTakesNo")) : null,
    voteCard(view),
    message ? h("p", { class: [message.error ? "form-error" : "notice", "cmap-message"], tabindex: "-1",
      role: message.error ? "alert" : "status" }, message.text) : null,
    h("div", { class: "cmap-layout" },
      h("figure", { class: "cmap-figure" }, drawMap(round),
        h("figcaption", { class: "muted small" }, t("cons.nearbyDotsVotedAlike"))),
      h("div", { class: "cmap-side" }, consensusList(round, textOf), groupsTable(round, textOf))),
    h("details", { class: "cmap-all" }, h("summary", {}, t("cons.all", { count: accepted.length })),
      h("ul", {}, accepted.map((s) => h("li", {}, h("span", { dir: "auto" }, s.text), h("span", { class: "muted small" },
        ` · ${t("cons.tally", { agree: s.agree, disagree: s.disagree, pass: s.pass })}`,
        s.my_vote ? ` · ${t("cons.yourVote", { vote: VOTE_WORDS[s.my_vote] })}` : ""))))),
    !isMod && me && mine.length ? h("p", { class: "muted small" },
      t("cons.yourProposals", { list: mine.map((s) => t("cons.proposal", { text: s.text.slice(0, 40), status: statusWord(s.status) })).join(", ") })) : null,
    me && round.accepting_votes ? proposalForm(round, (statement) => {
      const done = statement.status === "accepted" ? t("cons.yourStatementIsPublished") : t("cons.yourStatementWaitsFor");
      act(async () => {}, done);
    }) : null,
    moderation(view));
}

/**
 * The consensus section of a topic page. `state()` answers {topic, org, me,
 * isMod}. Answers {el, load, reload, onEvent, redraw} like the polls section.
 */
/** `initial`: the topic's newest round and the statement to vote on next, as
 * GET /topics/{id}/overview brought them, so the first load asks nothing. */
export function consensusSection({ topicId, signal, announce, state, initial = null }) {
  const heading = h("h2", { id: "consensus-h" }, t("plans.capability.consensus_map"));
  const body = h("div", { class: "cmap-body" });
  const formSlot = h("div", { class: "cmap-form-slot" });
  const el = h("section", { class: "consensus", "aria-labelledby": "consensus-h", hidden: true },
    heading, body, formSlot);
  let available = null;
  let round = null;
  let next = null;
  let message = null; // {text, error}
  let formOpen = false;
  let refreshTimer = null;
  let asked = 0; // reads of the round started
  let acting = 0; // acts in flight begun with the focus in the panel
  let votingOn = null; // the statement whose vote is in flight
  let shown = 0; // the newest read whose answer is shown

  async function fetchRound(id) {
    // A live refresh and a vote may read at once: an answer older than the one
    // shown is dropped, so a vote's result is never redrawn back to before it.
    const mine = ++asked;
    const fresh = (await get(`/consensus/${id}`, { signal })).round;
    const { me } = state();
    const upNext = me && fresh.accepting_votes ? (await get(`/consensus/${id}/next`, { signal })).statement : null;
    if (mine < shown) return;
    shown = mine;
    round = fresh;
    next = upNext;
  }

  async function act(call, done, statementId = null) {
    const hadFocus = stillIn(body);
    if (hadFocus) acting += 1;
    if (statementId !== null) votingOn = statementId;
    message = null;
    try {
      try {
        await call();
        if (done) {
          message = { text: done, error: false };
          announce(done);
        }
      } catch (err) {
        message = { text: tierNotice(err), error: true };
      }
      await fetchRound(round.id);
    } catch (e) {
      if (e.name === "AbortError") return;
    } finally {
      if (hadFocus) acting -= 1;
      if (statementId !== null && votingOn === statementId) votingOn = null;
    }
    redraw();
    // Keyboard and screen reader users go on with the next statement, unless
    // they went elsewhere on the page meanwhile.
    if (hadFocus && stillIn(body)) goOn(body)?.focus();
  }

  function drawForm() {
    clear(formSlot);
    const { topic, org, isMod } = state();
    if (!isMod || topic.locked || topic.archived || (round && round.status === "open")) return;
    if (!(org && org.entitlements && org.entitlements.capabilities.consensus_map)) {
      if (org && org.entitlements) {
        formSlot.append(h("p", { class: "muted small" },
          t("cons.gated", { tier: tierName(org.tier) }), " ",
          plansLink(null, org.id)));
      }
      return;
    }
    if (!formOpen) {
      formSlot.append(h("button", { type: "button", class: "cmap-open", onclick: () => {
        formOpen = true;
        drawForm();
        formSlot.querySelector("input")?.focus();
      } }, t("cons.openAConsensusRound")));
      return;
    }
    formSlot.append(roundForm(topicId, {
      opened: (fresh) => {
        round = fresh;
        formOpen = false;
        announce(t("cons.theConsensusRoundIs"));
        act(async () => {}, null);
      },
      cancel: () => {
        formOpen = false;
        drawForm();
      },
    }));
  }

  function redraw() {
    if (!available) return;
    const keepForm = formOpen && formSlot.querySelector("form");
    const typing = body.querySelector(".cmap-propose textarea");
    const draft = typing ? typing.value : "";
    // A live redraw keeps the reader where they were (typing, or on a button).
    const focused = focusIn(body);
    const caret = typing && focused === KEEP_FOCUS[0] ? [typing.selectionStart, typing.selectionEnd] : null;
    const { me, isMod } = state();
    clear(body, round ? drawRound({ round, next, message, me, isMod, act, votingOn }) : null);
    const area = body.querySelector(".cmap-propose textarea");
    if (draft && area) area.value = draft;
    refocus(body, focused, acting > 0);
    if (caret && area) area.setSelectionRange(...caret);
    if (!keepForm) drawForm();
    el.hidden = !round && !formSlot.childNodes.length;
  }

  async function load() {
    if (initial) {
      ({ round, next } = initial);
      initial = null;
      available = true;
      redraw();
      return;
    }
    if (available === null) available = await serverHas("GET", "/topics/{topic_id}/consensus");
    if (!available) return;
    try {
      const { rounds } = await get(`/topics/${topicId}/consensus`, { signal });
      if (rounds.length) await fetchRound(rounds[0].id); // the round shown stays until then
      else round = null;
    } catch (err) {
      if (err.name === "AbortError") throw err;
      clear(body, h("p", { class: "form-error", role: "alert" }, t("cons.loadFailed", { message: err.message })));
      el.hidden = false;
      return;
    }
    redraw();
  }

  /** A consensus.updated event of the topic channel: answers true if it was one. */
  function onEvent(msg) {
    if (msg.name !== "consensus.updated") return false;
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(async () => {
      const before = round ? round.groups.length : 0;
      await load().catch(() => {});
      if (round && round.groups.length !== before && round.groups.length > 1) {
        announce(t("cons.mapNow", { count: round.groups.length }));
      }
    }, 250);
    return true;
  }

  return { el, load, reload: () => load().catch(() => {}), onEvent, redraw };
}
