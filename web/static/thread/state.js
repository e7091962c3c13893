// A topic page's thread as data: the topic, its space and organization, who
// reads, and every post by id; and how each event of the topic channel changes
// it. No DOM here: applying an event answers what changed, and the page
// redraws that. Applying the same event twice, or an event that repeats what
// an HTTP read already brought, changes nothing the second time.

/** The thread of `topic` (in `space`, of `org` or null), read by `me` (or null).
 * `questions`: the server has questions to the organization; `official`: the
 * reader is an official of the space's organization (the page reads both). */
export function createThread({ topic, space, org, me, questions = false, official = false }) {
  return { topic, space, org, me, questions, official, posts: new Map() };
}

export const moderates = (thread) => Boolean(thread.space.can_moderate);

/** Moves a question through its life: the organization's officials, the
 * space's moderators and the organization's admins (the server decides). */
export const movesQuestion = (thread) =>
  Boolean(thread.me) && (moderates(thread) || Boolean(thread.space.can_administer) || thread.official);

/** The id of the post that answers the topic's question, or null. */
export const answerPostId = (thread) =>
  (thread.topic.kind === "question" && thread.topic.question && thread.topic.question.answer_post_id) || null;

export const isMine = (thread, post) => Boolean(thread.me && post.author.id === thread.me.id);

/** Moderators do not decide on their own posts; the organization's admins may. */
export const decides = (thread, post) =>
  moderates(thread) && (!thread.me || post.author.id !== thread.me.id || Boolean(thread.space.can_administer));

/** Sees a hidden post's content: its author and the moderators. */
export const privileged = (thread, post) => moderates(thread) || isMine(thread, post);

/** The topic takes new posts (and replies, edits and deletions). */
export const takesPosts = (thread) => !thread.topic.locked && !thread.topic.archived;

/** `fromEvent`: the post as an event carries it, which is what an anonymous
 * reader sees (no reactions of ours, no hidden content); keep what we know. */
function merge(thread, known, incoming, fromEvent) {
  const merged = { ...known, ...incoming };
  // A flag is once per person and never withdrawn: only the thread's own read
  // says it, so an event or an act's answer (false there) keeps what we know.
  merged.flagged_by_me = Boolean(known.flagged_by_me || incoming.flagged_by_me);
  if (fromEvent) {
    merged.reactions = known.reactions;
    merged.my_reactions = known.my_reactions;
    if (incoming.hidden && !incoming.html && !incoming.deleted && known.html && privileged(thread, known)) {
      merged.body = known.body;
      merged.html = known.html;
      merged.hidden_reason = incoming.hidden_reason ?? known.hidden_reason;
    }
  }
  return merged;
}

/** A post from the server (an HTTP answer, or an event's with `fromEvent`):
 * stores it, merged into the one we have. Answers {post, isNew, changed}. */
export function putPost(thread, incoming, { fromEvent = false } = {}) {
  const known = thread.posts.get(incoming.id);
  if (!known) {
    thread.posts.set(incoming.id, incoming);
    return { post: incoming, isNew: true, changed: true };
  }
  const merged = merge(thread, known, incoming, fromEvent);
  thread.posts.set(incoming.id, merged);
  return { post: merged, isNew: false, changed: JSON.stringify(merged) !== JSON.stringify(known) };
}

/** Changes fields of a post we have (what one of our own acts answered). */
export function updatePost(thread, id, changes) {
  const known = thread.posts.get(id);
  const post = { ...known, ...changes, flagged_by_me: Boolean(known.flagged_by_me || changes.flagged_by_me) };
  thread.posts.set(id, post);
  return post;
}

const TOPIC_EVENTS = new Set([
  "topic.renamed", "topic.pinned", "topic.unpinned", "topic.locked", "topic.unlocked",
  "topic.archived", "topic.unarchived", "topic.moved",
]);

/**
 * Applies one event of the topic channel (not the poll.* ones: see polls.js).
 * Answers the list of changes to draw, in order:
 *   {kind: "added", id}        a post we did not have (draw it as new)
 *   {kind: "changed", id}      a post we have changed
 *   {kind: "reactions", id}    only its reaction counts changed
 *   {kind: "closePanel", id}   hidden from this reader: close what is open under it
 *   {kind: "topic"}            the topic's title or state changed
 *   {kind: "moved"}            the topic moved to another space (thread.topic.space_id)
 *   {kind: "question"}         the question moved in its life (thread.topic.question)
 */
export function applyEvent(thread, msg) {
  const data = msg.data || {};
  const p = data.post || data;
  switch (msg.name) {
    case "post.created":
      return putChange(thread, p);
    case "post.edited":
    case "post.deleted":
    case "post.hidden":
    case "post.restored": {
      if (!thread.posts.has(p.id)) return msg.name === "post.deleted" ? [] : putChange(thread, p);
      const changes = putChange(thread, msg.name === "post.deleted" ? { ...p, deleted: true } : p);
      if (msg.name === "post.hidden" && !privileged(thread, thread.posts.get(p.id))) {
        changes.push({ kind: "closePanel", id: p.id });
      }
      return changes;
    }
    case "reaction.changed": {
      const known = thread.posts.get(data.post_id);
      if (!known) return [];
      updatePost(thread, data.post_id, { reactions: { ...known.reactions, [data.kind]: data.count } });
      return [{ kind: "reactions", id: data.post_id }];
    }
    case "question.status_changed":
      return questionChange(thread, data);
    default:
      if (!TOPIC_EVENTS.has(msg.name) || data.id !== thread.topic.id) return [];
      {
        const { from_space_id: _from, to_space_id: _to, ...fresh } = data;
        thread.topic = { ...thread.topic, ...fresh };
      }
      return [{ kind: msg.name === "topic.moved" ? "moved" : "topic" }];
  }
}

function putChange(thread, incoming) {
  const { isNew, changed } = putPost(thread, incoming, { fromEvent: true });
  if (isNew) return [{ kind: "added", id: incoming.id }];
  return changed ? [{ kind: "changed", id: incoming.id }] : [];
}

/** `question.status_changed` {topic_id, question}: the topic is (now) a
 * question in this state; the posts that stop or start being its answer change. */
function questionChange(thread, data) {
  if (data.topic_id !== thread.topic.id || !data.question) return [];
  const before = answerPostId(thread);
  if (thread.topic.kind === "question"
    && JSON.stringify(thread.topic.question) === JSON.stringify(data.question)) return [];
  thread.topic = { ...thread.topic, kind: "question", question: data.question };
  const after = answerPostId(thread);
  const changes = [{ kind: "question" }];
  for (const id of new Set([before, after])) {
    if (id !== null && before !== after && thread.posts.has(id)) changes.push({ kind: "changed", id });
  }
  return changes;
}
