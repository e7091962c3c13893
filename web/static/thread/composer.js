// Writing in the thread: the composer under it (or why there is none), and
// the reply form a post's panel opens. Typing tells the others (at most once
// every 3 s); each post carries a client id, so a retried submit is not
// posted twice; our own post is placed and focused as soon as the server
// answers (or updated, when the socket brought it first). An official's post
// in a question waiting for an answer answers it, unless they say it does not.
// Typing "@" offers the space's participants to mention (../mentions.js).
// A reader banned or muted in the space is told so, with the end in their own
// words and time, on a disabled form, before they write (the server refuses).
// The author may say the post's language rather than leave it to detection
// (post-language.js): sent as `lang`.

import { get, post as send } from "../api.js";
import { clear, clientId, field, formError, h, onSubmit, uid } from "../dom.js";
import { t, tx } from "../i18n.js";
import { live } from "../live.js";
import { attachMentions } from "../mentions.js";
import { endWords } from "../sanctions.js";
import { languageChoice } from "./post-language.js";
import { takesPosts } from "./state.js";

/** A new post at the root (node null), or a reply to node's post. */
export function replyForm(view, node, { label }) {
  let cid = clientId();
  const closeAndFocus = () => {
    view.closePanel(node);
    node.article.focus();
  };
  const textarea = field({ label, name: "body", type: "textarea", required: true, maxlength: 20000,
    rows: node ? 3 : 5, hint: node ? null : t("markdown.hint") });
  const answers = answersChoice(view.thread);
  const form = h("form", { class: node ? "inline-form" : "card form" }, formError(), textarea, languageChoice(), answers,
    h("div", { class: "actions" },
      h("button", { type: "submit", class: "primary" }, node ? t("composer.postReply") : t("composer.post")),
      node ? h("button", { type: "button", onclick: closeAndFocus }, t("composer.cancel")) : null));
  const area = form.querySelector("textarea");
  const standing = standingNotice(view.thread);
  if (standing) {
    form.prepend(standing);
    area.disabled = true;
    area.setAttribute("aria-describedby", [standing.id, area.getAttribute("aria-describedby")].filter(Boolean).join(" "));
    form.querySelector("button[type=submit]").disabled = true;
  }
  // First: its Escape closes the list of people, not the reply form.
  attachMentions(area, { spaceId: () => view.thread.space.id, signal: view.ctx.signal });
  area.addEventListener("input", () => live.typing(view.channel));
  if (node) {
    area.addEventListener("keydown", (e) => {
      if (e.key === "Escape") closeAndFocus();
    });
  }
  onSubmit(form, async (data) => {
    const body = { body: data.body, client_id: cid };
    if (node) body.parent_id = node.id;
    if (data.lang) body.lang = data.lang;
    if (answers && !answers.hidden && !data.answers_question) body.answers_question = false;
    // A new post at the root is the newest: every older one is read first.
    if (!node) await view.loadRest();
    const { post: created } = await send(`/topics/${view.thread.topic.id}/posts`, body);
    cid = clientId();
    form.reset();
    if (node) view.closePanel(node);
    const mine = view.addPost(created, { mine: true });
    view.ctx.announce(t("composer.published"));
    if (mine) mine.article.focus({ preventScroll: false });
  });
  return form;
}

/** "You are banned from this space until 12 December, 14:00 …" (GET /spaces/{id}
 * says the reader's own ban or mute), or null. */
function standingNotice(thread) {
  const s = thread.space && thread.space.standing;
  if (!s) return null;
  const when = s.expires_at ? endWords(s.expires_at) : "";
  const key = s.kind === "ban"
    ? (s.expires_at ? "composer.banned.until" : "composer.banned.forever")
    : (s.expires_at ? "composer.muted.until" : "composer.muted.forever");
  return h("p", { class: "notice standing-notice", id: uid("standing") }, t(key, { when }),
    s.reason ? ` ${t("notice.reason", { reason: s.reason })}` : "");
}

const waiting = (thread) => {
  const q = thread.topic.kind === "question" ? thread.topic.question : null;
  return Boolean(q) && (q.status === "open" || q.status === "acknowledged");
};

/** For an official, in a question: whether this post is the answer (shown
 * only while the question waits for one; see fitAnswersChoice). */
function answersChoice(thread) {
  if (!thread.official || thread.topic.kind !== "question") return null;
  const id = uid("answers");
  return h("div", { class: "radio answers-choice", hidden: !waiting(thread) },
    h("input", { type: "checkbox", name: "answers_question", value: "1", id, checked: true }),
    h("label", { for: id }, t("composer.answers")));
}

/** After the question moved: the choice is offered only while it waits for an answer. */
export function fitAnswersChoice(view, root) {
  for (const el of root.querySelectorAll(".answers-choice")) el.hidden = !waiting(view.thread);
}

const STANDING_ACTS = new Set(["user.banned", "user.muted", "user.unbanned", "user.unmuted"]);

/** A ban or mute imposed or lifted here while the page is open (the notice on
 * the reader's user channel): read the space again and redraw the composer. */
function watchStanding(view, slot) {
  if (view.standingWatched) return;
  view.standingWatched = true;
  const onUserEvent = async (e) => {
    const msg = e.detail || {};
    const d = msg.data || {};
    if (msg.name !== "moderation.notice" || !STANDING_ACTS.has(d.action) || d.space_id !== view.thread.space.id) return;
    try {
      view.thread.space = (await get(`/spaces/${view.thread.space.id}`, { signal: view.ctx.signal })).space;
    } catch (err) {
      if (err.name === "AbortError") return;
    }
    drawComposer(view, slot);
  };
  document.addEventListener("cps:user-event", onUserEvent);
  view.ctx.cleanup(() => document.removeEventListener("cps:user-event", onUserEvent));
}

/** The composer at the foot of the thread, in `slot`. */
export function drawComposer(view, slot) {
  watchStanding(view, slot);
  clear(slot);
  slot.append(h("h2", { id: "compose-h" }, t("composer.heading")));
  if (!view.thread.me) {
    const next = encodeURIComponent(location.pathname);
    slot.append(h("p", {}, tx("composer.signIn", {
      signIn: h("a", { href: `/login?next=${next}` }, t("space.signIn")),
      signUp: h("a", { href: `/signup?next=${next}` }, t("space.signUp")) })));
    return;
  }
  if (!takesPosts(view.thread)) {
    slot.append(h("p", { class: "muted" }, t("composer.closed")));
    return;
  }
  slot.append(replyForm(view, null, { label: t("composer.yourPost") }));
}
