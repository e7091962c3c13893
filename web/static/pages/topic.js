// A topic: the thread as a tree, live. New posts land in place, highlighted,
// without moving what the reader is reading; off-screen ones are counted in a
// "N new replies" marker; a live region announces them. This page only wires
// the modules of ../thread/ (see docs/web.md): the state and its events, the
// view of the tree, the head, the question to the organization, who took
// part, presence, polls, the composer.

import { statusWords } from "../accountability.js";
import { ApiError, all, get, serverHas } from "../api.js";
import { consensusSection } from "../consensus.js";
import { h } from "../dom.js";
import { followControl } from "../follow.js";
import { follow } from "../live.js";
import { drawComposer, fitAnswersChoice } from "../thread/composer.js";
import { TopicHead } from "../thread/head.js";
import { pollsSection } from "../thread/polls.js";
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
  const { topic } = await get(`/topics/${topicId}`, { signal: ctx.signal });
  const { space } = await get(`/spaces/${topic.space_id}`, { signal: ctx.signal });
  let org = null;
  try {
    org = (await get(`/orgs/${space.org_id}`, { signal: ctx.signal })).org;
  } catch (err) {
    if (err.name === "AbortError") throw err;
  }
  ctx.title(topic.title);
  const questions = await serverHas("POST", "/topics/{topic_id}/status");
  const official = questions && ctx.user ? await isOfficial(ctx, space.org_id) : false;

  const thread = createThread({ topic, space, org, me: ctx.user, questions, official });
  const view = new ThreadView({ ctx, thread, channel });
  const polls = pollsSection({ topicId, signal: ctx.signal, announce: (text) => ctx.announce(text),
    state: () => ({ topic: thread.topic, org: thread.org, me: thread.me, isMod: moderates(thread) }) });
  const consensus = consensusSection({ topicId, signal: ctx.signal, announce: (text) => ctx.announce(text),
    state: () => ({ topic: thread.topic, org: thread.org, me: thread.me, isMod: moderates(thread) }) });
  const head = new TopicHead({ ctx, thread, changed: drawAll, moved: followMove });
  const question = new QuestionPanel({ ctx, thread, changed: questionMoved });
  const tookPart = new Participation(thread);
  const here = presenceLine(thread.me);
  const composerSlot = h("section", { class: "composer", "aria-labelledby": "compose-h" });
  ctx.main.append(
    head.crumbs,
    head.el,
    ctx.user ? followControl({ kind: "topic", id: topic.id, signal: ctx.signal,
      announce: (text) => ctx.announce(text) }) : "",
    question.el,
    tookPart.el,
    here.el,
    polls.el,
    consensus.el,
    h("section", { "aria-labelledby": "thread-h" },
      h("h2", { id: "thread-h", class: "visually-hidden" }, "Thread"),
      view.rootList),
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

  // Who took part changes as people post: read the topic again a moment
  // after new posts (once for a burst of them).
  let participationTimer = null;
  ctx.cleanup(() => clearTimeout(participationTimer));
  function rereadParticipation() {
    clearTimeout(participationTimer);
    participationTimer = setTimeout(async () => {
      try {
        const fresh = (await get(`/topics/${topicId}`, { signal: ctx.signal })).topic;
        thread.topic = { ...thread.topic, participation: fresh.participation };
        tookPart.draw();
      } catch {
        // the next post reads it again
      }
    }, 800);
  }

  function apply(msg) {
    if (polls.onEvent(msg) || consensus.onEvent(msg)) return;
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
        ctx.announce(`The question is now ${statusWords(thread.topic.question.status).toLowerCase()}.`);
      } else {
        view.render(change);
        if (change.kind === "added" && thread.topic.participation) rereadParticipation();
      }
    }
  }

  let posts = [];
  async function load() {
    try {
      posts = await all(`/topics/${topicId}/posts`, "posts", { signal: ctx.signal });
    } catch (err) {
      if (!(err instanceof ApiError) || err.status === 404) throw err;
      view.rootList.append(h("li", { class: "form-error", role: "alert" }, `Could not load the posts: ${err.message}`));
    }
    for (const p of posts) view.addPost(p);
    question.draw(); // its form lists the posts that may answer
    await Promise.all([polls.load(), consensus.load(), question.readHistory()]);
  }

  /** After a reset or a late subscription: what we did not have is new. */
  async function reload() {
    const fresh = await all(`/topics/${topicId}/posts`, "posts", { signal: ctx.signal });
    for (const p of fresh) view.addPost(p, { fresh: !view.nodes.has(p.id) });
    thread.topic = { ...thread.topic, ...(await get(`/topics/${topicId}`, { signal: ctx.signal })).topic };
    head.draw();
    question.draw();
    tookPart.draw();
    await Promise.all([polls.load(), consensus.load(), question.readHistory()]);
  }

  drawAll();
  await feed.start({ load, reload, apply, presence: here.show });
  if (posts.length === 0) view.rootList.append(h("li", { class: "muted" }, "No post yet."));
}

/** The reader is one of the organization's officials (GET /orgs/{id}/officials). */
async function isOfficial(ctx, orgId) {
  try {
    const { officials } = await get(`/orgs/${orgId}/officials`, { signal: ctx.signal });
    return officials.some((o) => o.user.id === ctx.user.id);
  } catch (err) {
    if (err.name === "AbortError") throw err;
    return false;
  }
}
