// One post of the thread as the reader sees it: the mark of an official's
// post and of the answer to the question, its head (author, Official, Staff
// and stakeholder badges, permalink, edited, in reply to), its body or the
// placeholder that stands for it, its reactions, and the bar of what this
// reader may do with it. The acts themselves are the view's (view.js).

import { officialBadge } from "../accountability.js";
import { del, post as send } from "../api.js";
import { clear, h, stakeholderLabel, timeEl, trustedHtml } from "../dom.js";
import { answerPostId, decides, isMine, moderates, takesPosts, updatePost } from "./state.js";

const REACTIONS = [
  ["like", "Like"],
  ["agree", "Agree"],
  ["disagree", "Disagree"],
  ["insightful", "Insightful"],
  ["thanks", "Thanks"],
];

/** The elements of post `id` (which `view.thread` holds), drawn. */
export function makeNode(view, id) {
  const li = h("li", { class: "post-node", id: `post-${id}` });
  const article = h("article", { class: "post", tabindex: "-1", "aria-labelledby": `post-${id}-by` });
  const replies = h("ol", { class: "replies", id: `replies-${id}` });
  li.append(article, replies);
  const node = {
    id, li, article, replies, collapsed: false, panelKind: null,
    bodyEl: h("div", { class: "post-body" }),
    reactionsEl: h("div", { class: "reactions", role: "group", "aria-label": "Reactions" }),
    actionsEl: h("div", { class: "post-actions" }),
    panel: h("div", { class: "post-panel" }),
    headEl: h("header", { class: "post-head" }),
    markEl: h("p", { class: "post-mark", id: `post-${id}-mark` }),
    /** The post as the thread holds it now. */
    get post() {
      return view.thread.posts.get(id);
    },
  };
  article.append(node.markEl, node.headEl, node.bodyEl, node.reactionsEl, node.actionsEl, node.panel);
  if (node.post.depth >= 4) li.classList.add("deep");
  drawPost(view, node);
  return node;
}

function drawHead(view, node) {
  const p = node.post;
  const parent = p.parent_id ? view.nodes.get(p.parent_id) : null;
  clear(node.headEl,
    h("span", { class: "author", id: `post-${p.id}-by` }, p.author.display_name),
    p.author.official ? [" ", officialBadge(p.author.official)] : null,
    p.author.staff ? [" ", h("span", { class: "badge badge-staff", title: "A moderator of this space or an admin of its organization" }, "Staff")] : null,
    " ", h("span", { class: `badge stakeholder stakeholder-${p.author.stakeholder_type}` },
      stakeholderLabel(p.author.stakeholder_type)),
    " ", h("a", { href: `#post-${p.id}`, class: "permalink" }, timeEl(p.created_at)),
    p.edited_at ? h("span", { class: "muted" }, " · edited") : null,
    parent && p.depth >= 4 ? h("span", { class: "muted reply-to" }, " · in reply to ",
      h("a", { href: `#post-${parent.post.id}` }, parent.post.author.display_name)) : null,
  );
}

function drawBody(view, node) {
  const p = node.post;
  const isMod = moderates(view.thread);
  clear(node.bodyEl);
  if (p.deleted) {
    node.bodyEl.append(h("p", { class: "placeholder" }, "This post was deleted by its author."));
    return;
  }
  if (p.hidden && !p.html) {
    node.bodyEl.append(h("p", { class: "placeholder" }, "Hidden by a moderator."));
    return;
  }
  if (p.pending) {
    node.bodyEl.append(h("p", { class: "placeholder" },
      isMod ? "Held for review: only its author and the moderators see it." : "Waiting for a moderator's approval: only you and the moderators see it."));
  }
  if (p.hidden) {
    node.bodyEl.append(h("p", { class: "placeholder" },
      p.hidden_reason ? `Hidden by a moderator: “${p.hidden_reason}”${/[.!?…]$/.test(p.hidden_reason.trim()) ? "" : "."}` : "Hidden by a moderator.",
      isMod ? " Only its author and the moderators can see it." : " Only you and the moderators can see it."));
  }
  node.bodyEl.append(trustedHtml(h("div", { class: "prose" }), p.html));
}

/** Above an official's post, "Official answer"; above the post that answers
 * the topic's question, "The answer to this question". The article is named
 * by this mark and its author, so screen readers hear both. */
function drawMark(view, node) {
  const p = node.post;
  const official = Boolean(p.author.official) && !p.deleted;
  const answer = answerPostId(view.thread) === p.id && !p.deleted;
  node.article.classList.toggle("is-official", official);
  node.article.classList.toggle("is-answer", answer);
  const icon = (text) => h("span", { class: "mark-icon", "aria-hidden": "true" }, text);
  clear(node.markEl,
    answer ? [icon("✓"), " The answer to this question"] : null,
    official ? (answer ? " · Official answer" : [icon("◆"), " Official answer"]) : null);
  node.markEl.hidden = !official && !answer;
  node.article.setAttribute("aria-labelledby", official || answer ? `post-${p.id}-mark post-${p.id}-by` : `post-${p.id}-by`);
}

/** Everything of the post. */
export function drawPost(view, node) {
  const p = node.post;
  drawMark(view, node);
  node.article.classList.toggle("is-hidden", p.hidden);
  node.article.classList.toggle("is-deleted", p.deleted);
  node.article.classList.toggle("is-mine", isMine(view.thread, p));
  drawHead(view, node);
  drawBody(view, node);
  drawReactions(view, node);
  drawActions(view, node);
}

async function toggleReaction(view, node, kind, on, btn) {
  btn.disabled = true;
  try {
    const state = on
      ? await send(`/posts/${node.id}/reactions`, { kind })
      : await del(`/posts/${node.id}/reactions/${kind}`);
    // The post as it is now: a live update may have replaced it meanwhile.
    const now = node.post;
    const set = new Set(now.my_reactions || []);
    if (state.mine) set.add(kind);
    else set.delete(kind);
    updatePost(view.thread, node.id, { reactions: { ...now.reactions, [kind]: state.count }, my_reactions: [...set] });
    drawReactions(view, node);
    node.reactionsEl.querySelector(`[data-kind="${kind}"]`)?.focus();
  } catch (err) {
    btn.disabled = false;
    view.showPanelMessage(node, err.message, true);
  }
}

/** The reaction counts, and for a signed-in reader the buttons to react. */
export function drawReactions(view, node) {
  const p = node.post;
  clear(node.reactionsEl);
  if (p.deleted || (p.hidden && !p.html)) return;
  const counts = p.reactions || {};
  const mine = new Set(p.my_reactions || []);
  for (const [kind, label] of REACTIONS) {
    const count = counts[kind] || 0;
    const countEl = count ? h("span", { class: "count" }, String(count)) : null;
    if (!view.thread.me) {
      if (count) node.reactionsEl.append(h("span", { class: "reaction" }, `${label} `, countEl));
      continue;
    }
    node.reactionsEl.append(h("button", {
      type: "button",
      class: "reaction",
      "data-kind": kind,
      "aria-pressed": String(mine.has(kind)),
      onclick: (event) => toggleReaction(view, node, kind, !mine.has(kind), event.currentTarget),
    }, label, countEl ? " " : null, countEl));
  }
}

function replyCount(node) {
  return node.replies.querySelectorAll(":scope li.post-node").length;
}

/** What this reader may do with the post: each opens a panel under it (or acts). */
export function drawActions(view, node) {
  const { thread } = view;
  const p = node.post;
  const me = thread.me;
  const open = takesPosts(thread);
  const bar = clear(node.actionsEl);
  const button = (text, onclick, extra = {}) => h("button", { type: "button", class: "linklike", onclick, ...extra }, text);
  const n = replyCount(node);
  if (n > 0) {
    bar.append(button(node.collapsed ? `Expand ${n} ${n === 1 ? "reply" : "replies"}` : `Collapse ${n === 1 ? "reply" : "replies"}`,
      () => view.setCollapsed(node, !node.collapsed),
      { "aria-expanded": String(!node.collapsed), "aria-controls": node.replies.id, class: "linklike toggle" }));
  }
  if (me && open && !p.deleted) bar.append(button("Reply", () => view.openPanel(node, "reply")));
  if (me && p.author.id === me.id && !p.deleted && open) {
    bar.append(button("Edit", () => view.openPanel(node, "edit")));
    bar.append(button("Delete", () => view.openPanel(node, "delete")));
  }
  if (p.edited_at && !p.deleted && (!p.hidden || p.html)) bar.append(button("History", () => view.openPanel(node, "history")));
  if (me && p.author.id !== me.id && !p.deleted && !p.hidden) bar.append(button("Flag", () => view.openPanel(node, "flag")));
  if (me && p.author.id === me.id && p.hidden && !p.deleted && !decides(thread, p)) {
    bar.append(button("Appeal", () => view.openPanel(node, "appeal")));
  }
  if (decides(thread, p) && !p.deleted) {
    if (p.hidden) bar.append(button("Restore", () => view.restore(node)));
    else bar.append(button("Hide post", () => view.openPanel(node, "hide")));
  }
  if (moderates(thread) && me && p.author.id !== me.id) {
    bar.append(h("a", { class: "action-link", href: `/moderation?space=${thread.space.id}&user=${p.author.id}#sanctions` }, "Mute or ban…"));
  }
}
