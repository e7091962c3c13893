// A topic: the thread as a tree, live, read in pages as the reader scrolls.
// New posts land in place, highlighted, without moving what the reader is
// reading; off-screen ones are counted in a "N new replies" bar; a live region
// announces them. This page only wires the modules of ../thread/ (see
// docs/web.md): the state and its events, the pages, the view of the tree,
// the head, the question to the organization, who took part, presence,
// polls, the composer.

import { statusWords } from "../accountability.js";
import { ApiError, get } from "../api.js";
import { consensusSection } from "../consensus.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { followControl } from "../follow.js";
import { follow } from "../live.js";
import { drawComposer, fitAnswersChoice } from "../thread/composer.js";
import { TopicHead } from "../thread/head.js";
import { pollsSection } from "../thread/polls.js";
import { Pager } from "../thread/pager.js";
import { Participation } from "../thread/participation.js";
import { presenceLine } from "../thread/presence.js";
import { QuestionPanel } from "../thread/question.js";
import { answerPostId, applyEvent, createThread, moderates } from "../thread/state.js";
import { ThreadView } from "../thread/view.js";

export default async function topicPage(ctx) {
  const topicId = ctx.params[0];
  const channel = `topic:${topicId}`;
  // Follow the topic first (the socket connects while the page reads the
  // topic); the thread is read once the server has said where the channel is.
  const feed = follow(channel);
  ctx.cleanup(feed.stop);
  // The topic, its space and organization, whether the reader is an official, the
  // follow level and the newest consensus round: one request (GET /topics/{id}/overview).
  const overview = await get(`/topics/${topicId}/overview`, { signal: ctx.signal });
  const { topic, space, org, official } = overview;
  ctx.title(topic.title);
  // A server that answers the overview has questions (POST /topics/{id}/status).
  const thread = createThread({ topic, space, org, me: ctx.user, questions: true, official });
  const view = new ThreadView({ ctx, thread, channel });
  let again = false; // reading the pages again after a reset: what we did not have is new
  const pager = wirePages(view, new Pager({ ctx, topicId, apply, place: (list) => view.addPosts(list, { fresh: again }) }));
  const polls = pollsSection({ topicId, signal: ctx.signal, announce: (text) => ctx.announce(text),
    state: () => ({ topic: thread.topic, org: thread.org, me: thread.me, isMod: moderates(thread) }) });
  const consensus = consensusSection({ topicId, signal: ctx.signal, announce: (text) => ctx.announce(text),
    initial: overview.consensus, state: () => ({ topic: thread.topic, org: thread.org, me: thread.me, isMod: moderates(thread) }) });
  const head = new TopicHead({ ctx, thread, changed: drawAll, moved: followMove });
  const question = new QuestionPanel({ ctx, thread, changed: questionMoved });
  const tookPart = new Participation(thread);
  const here = presenceLine(thread.me);
  const composerSlot = h("section", { class: "composer", "aria-labelledby": "compose-h", tabindex: "-1" });
  ctx.main.append(
    head.crumbs,
    head.el,
    ctx.user ? followControl({ kind: "topic", id: topic.id, signal: ctx.signal,
      announce: (text) => ctx.announce(text), initial: overview.follow }) : "",
    question.el,
    tookPart.el,
    here.el,
    polls.el,
    consensus.el,
    h("section", { "aria-labelledby": "thread-h" },
      h("h2", { id: "thread-h", class: "visually-hidden" }, t("topic.thread")),
      threadTools(view, composerSlot),
      view.rootList,
      pager.el),
    composerSlot,
    view.marker,
  );

  /** After the topic changed: everything that depends on it. */
  function drawAll() {
    head.draw();
    question.draw();
    tookPart.draw();
    drawComposer(view, composerSlot);
    view.drawAllActions();
    polls.redraw();
    consensus.redraw();
  }

  /** After the question moved (our own act; the event then repeats it):
   * the head, the question, and the posts that stop or start being its answer.
   * Not drawAll: the composer keeps what the reader is typing. */
  function questionMoved(answerBefore) {
    head.draw();
    question.draw();
    fitAnswersChoice(view, ctx.main);
    for (const id of new Set([answerBefore, answerPostId(thread)])) {
      if (id !== null && view.nodes.has(id)) view.render({ kind: "changed", id });
    }
  }

  /** The topic now lives in another space: show where. */
  async function followMove() {
    if (thread.topic.space_id === thread.space.id) return;
    try {
      thread.space = (await get(`/spaces/${thread.topic.space_id}`, { signal: ctx.signal })).space;
      if (thread.org && thread.org.id !== thread.space.org_id) thread.org = null;
    } catch (e) {
      if (e.name === "AbortError") return;
    }
    drawAll();
  }

  const rereadParticipation = participationRereader(ctx, topicId, thread, tookPart);

  function apply(msg) {
    if (polls.onEvent(msg) || consensus.onEvent(msg)) return;
    if (pager.hold(msg, (id) => thread.posts.has(id))) {
      view.arrivals.drawMarker(); // a new post waiting for its page counts as new
      return;
    }
    for (const change of applyEvent(thread, msg)) {
      if (change.kind === "topic" || change.kind === "moved") {
        if (change.kind === "moved") followMove();
        else drawAll();
        polls.reload(); // a locked or archived topic takes no votes
        consensus.reload();
      } else if (change.kind === "question") {
        // Not drawAll: the composer keeps what the reader is typing.
        head.draw();
        question.draw();
        fitAnswersChoice(view, ctx.main);
        question.loadHistory();
        ctx.announce(t("notice.questionStatus", { status: statusWords(thread.topic.question.status) }));
      } else {
        view.render(change);
        if (change.kind === "added" && thread.topic.participation) rereadParticipation();
      }
    }
  }

  async function load() {
    try {
      await pager.first();
    } catch (err) {
      if (!(err instanceof ApiError) || err.status === 404) throw err;
      view.rootList.append(h("li", { class: "form-error", role: "alert" }, t("topic.postsFailed", { message: err.message })));
    }
    question.draw(); // its form lists the posts that may answer
    await Promise.all([polls.load(), consensus.load(), question.readHistory()]);
  }

  /** After a reset or a late subscription: the pages read so far, again;
   * what we did not have is new. */
  async function reload() {
    const had = view.nodes.size;
    again = true;
    try {
      await pager.first();
      while (pager.more && pager.readCount < had) await pager.next();
    } finally {
      again = false;
    }
    thread.topic = { ...thread.topic, ...(await get(`/topics/${topicId}`, { signal: ctx.signal })).topic };
    head.draw();
    question.draw();
    tookPart.draw();
    await Promise.all([polls.load(), consensus.load(), question.readHistory()]);
  }

  drawAll();
  await feed.start({ load, reload, apply, presence: here.show });
  if (view.nodes.size === 0) view.rootList.append(h("li", { class: "muted" }, t("topic.noPost")));
}

/** What the reader uses to get around a long thread: to the reply box (a
 * skip link, so that reaching it never takes more Tab presses as the thread
 * grows) and to the newest post; and what the arrow keys do in the list. */
function threadTools(view, composerSlot) {
  const toReply = (e) => {
    e.preventDefault();
    const box = composerSlot.querySelector("textarea") || composerSlot;
    box.focus({ preventScroll: true });
    box.scrollIntoView({ block: "center" });
  };
  return h("div", { class: "thread-tools" },
    h("a", { href: "#compose-h", class: "button", onclick: toReply }, t("thread.skipToReply")),
    h("button", { type: "button", onclick: () => view.arrivals.jump() }, t("thread.jumpToNewest")),
    h("p", { id: "thread-keys", class: "visually-hidden" }, t("thread.keysHint")));
}

/** The view reads the pages it needs: every page before the newest post or a new post at the root. */
function wirePages(view, pager) {
  const place = pager.place;
  pager.place = (list) => {
    place(list);
    queueMicrotask(() => view.arrivals.drawMarker()); // after what waited for them
  };
  view.loadRest = () => pager.rest();
  view.arrivals.held = () => pager.held;
  view.arrivals.jump = async ({ go = true } = {}) => {
    await pager.rest();
    view.arrivals.drawMarker();
    const newest = view.newest();
    if (go && newest) view.arrivals.show(newest);
  };
  return pager;
}

/** Who took part changes as people post: a function that reads the topic
 * again a moment after new posts (once for a burst of them). */
function participationRereader(ctx, topicId, thread, tookPart) {
  let timer = null;
  ctx.cleanup(() => clearTimeout(timer));
  return () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      try {
        const fresh = (await get(`/topics/${topicId}`, { signal: ctx.signal })).topic;
        thread.topic = { ...thread.topic, participation: fresh.participation };
        tookPart.draw();
      } catch {
        // the next post reads it again
      }
    }, 800);
  };
}
