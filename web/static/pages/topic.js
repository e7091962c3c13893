// A topic: the thread as a tree, live. New posts land in place, highlighted,
// without moving what the reader is reading; off-screen ones are counted in a
// "N new replies" marker; a live region announces them. This page only wires
// the modules of ../thread/ (see docs/web.md): the state and its events, the
// view of the tree, the head, presence, polls, the composer.

import { ApiError, all, get } from "../api.js";
import { h } from "../dom.js";
import { follow } from "../live.js";
import { drawComposer } from "../thread/composer.js";
import { TopicHead } from "../thread/head.js";
import { pollsSection } from "../thread/polls.js";
import { presenceLine } from "../thread/presence.js";
import { applyEvent, createThread, moderates } from "../thread/state.js";
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

  const thread = createThread({ topic, space, org, me: ctx.user });
  const view = new ThreadView({ ctx, thread, channel });
  const polls = pollsSection({ topicId, signal: ctx.signal, announce: (text) => ctx.announce(text),
    state: () => ({ topic: thread.topic, org: thread.org, me: thread.me, isMod: moderates(thread) }) });
  const head = new TopicHead({ ctx, thread, changed: drawAll, moved: followMove });
  const here = presenceLine(thread.me);
  const composerSlot = h("section", { class: "composer", "aria-labelledby": "compose-h" });
  ctx.main.append(
    head.crumbs,
    head.el,
    here.el,
    polls.el,
    h("section", { "aria-labelledby": "thread-h" },
      h("h2", { id: "thread-h", class: "visually-hidden" }, "Thread"),
      view.rootList),
    composerSlot,
    view.marker,
  );

  /** After the topic changed: everything that depends on it. */
  function drawAll() {
    head.draw();
    drawComposer(view, composerSlot);
    view.drawAllActions();
    polls.redraw();
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

  function apply(msg) {
    if (polls.onEvent(msg)) return;
    for (const change of applyEvent(thread, msg)) {
      if (change.kind === "topic" || change.kind === "moved") {
        if (change.kind === "moved") followMove();
        else drawAll();
        polls.reload(); // a locked or archived topic takes no votes
      } else {
        view.render(change);
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
    await polls.load();
  }

  /** After a reset or a late subscription: what we did not have is new. */
  async function reload() {
    const fresh = await all(`/topics/${topicId}/posts`, "posts", { signal: ctx.signal });
    for (const p of fresh) view.addPost(p, { fresh: !view.nodes.has(p.id) });
    await polls.load();
  }

  drawAll();
  await feed.start({ load, reload, apply, presence: here.show });
  if (posts.length === 0) view.rootList.append(h("li", { class: "muted" }, "No post yet."));
}
