// One post of the thread as the reader sees it: the mark of an official's
// post and of the answer to the question, its head (author, Official, Staff
// and stakeholder badges, permalink, edited, in reply to whom, with a line of
// what they said when the reply lies flat), its body or the placeholder that
// stands for it, its reactions, and the bar of what this reader may do with
// it. On a phone (PHONE) the post is one row of buttons: "React" opens a
// picker, "More" a menu of the rest (menu.js), and the counts are one line
// of text. The acts themselves are the view's (view.js).

import { officialBadge } from "../accountability.js";
import { del, post as send } from "../api.js";
import { clear, h, own, stakeholderLabel, timeEl, trustedHtml } from "../dom.js";
import { t, tx } from "../i18n.js";
import { menuButton } from "./menu.js";
import { languageWords } from "./post-language.js";
import { answerPostId, decides, isMine, moderates, takesPosts, updatePost } from "./state.js";

/** The width under which a post's reactions and actions fold into menus (app.css agrees). */
export const PHONE = window.matchMedia("(max-width: 40rem)");
const NEST = 3; // view.js's: replies deeper than this lie flat
const CONTEXT_CHARS = 90;

const REACTIONS = [
  ["like", t("reaction.like")],
  ["agree", t("reaction.agree")],
  ["disagree", t("reaction.disagree")],
  ["insightful", t("reaction.insightful")],
  ["thanks", t("reaction.thanks")],
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
    reactionsEl: h("div", { class: "reactions", role: "group", "aria-label": t("post.reactions") }),
    actionsEl: h("div", { class: "post-actions" }),
    panel: h("div", { class: "post-panel" }),
    headEl: h("header", { class: "post-head" }),
    contextEl: h("p", { class: "reply-context", hidden: true }),
    markEl: h("p", { class: "post-mark", id: `post-${id}-mark` }),
    /** The post as the thread holds it now. */
    get post() {
      return view.thread.posts.get(id);
    },
  };
  article.append(node.markEl, node.headEl, node.contextEl, node.bodyEl, node.reactionsEl, node.actionsEl, node.panel);
  if (node.post.depth > NEST) li.classList.add("deep", "flat");
  drawPost(view, node);
  return node;
}

function drawHead(view, node) {
  const p = node.post;
  const parent = p.parent_id ? view.nodes.get(p.parent_id) : null;
  clear(node.headEl,
    h("span", { class: "author", id: `post-${p.id}-by`, dir: "auto" }, p.author.display_name),
    p.author.official ? [" ", officialBadge(p.author.official)] : null,
    p.author.staff ? [" ", h("span", { class: "badge badge-staff", title: t("post.staff.title") }, t("post.staff"))] : null,
    " ", h("span", { class: `badge stakeholder stakeholder-${p.author.stakeholder_type}` },
      stakeholderLabel(p.author.stakeholder_type)),
    " ", h("a", { href: `#post-${p.id}`, class: "permalink", onclick: (e) => goTo(view, p.id, e) }, timeEl(p.created_at)),
    p.edited_at ? h("span", { class: "muted" }, ` · ${t("post.edited")}`) : null,
    languageWords(p.lang) ? h("span", { class: "muted post-lang" }, ` · ${languageWords(p.lang)}`) : null,
    parent ? h("span", { class: "muted reply-to" }, " · ", tx("post.inReplyTo", { name:
      h("a", { href: `#post-${parent.post.id}`, class: "up-link", onclick: (e) => goTo(view, parent.id, e), "aria-label": t("thread.inReplyToLink", { name: parent.post.author.display_name }) },
        own(parent.post.author.display_name), " ↑") })) : null,
    p.parent_id && !parent ? h("span", { class: "muted reply-to" }, " · ", t("thread.inReplyToEarlier")) : null,
    p.flagged_by_me ? h("span", { class: "badge flagged" }, t("thread.youFlagged")) : null,
  );
  // Flat, the reply no longer sits under what it answers: say what that was.
  node.contextEl.hidden = true;
  if (parent && p.depth > NEST) {
    const said = excerpt(parent.post.body);
    if (said) {
      node.contextEl.textContent = t("thread.wrote", { name: parent.post.author.display_name, text: said });
      node.contextEl.hidden = false;
    }
  }
}

/** A link to a post of the thread: there, in place, focused, and in the
 * address, without reading the page again (the address changes in place, so
 * no popstate re-renders a thread read over many pages). */
function goTo(view, id, event) {
  const node = view.nodes.get(id);
  if (!node || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  history.replaceState(history.state, "", `#post-${id}`);
  view.arrivals.show(node);
}

/** The first words of a post's markdown, as plain text. */
function excerpt(body) {
  const text = (body || "").replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1").replace(/[#*_>`~|]/g, "").replace(/\s+/g, " ").trim();
  return text.length > CONTEXT_CHARS ? `${text.slice(0, CONTEXT_CHARS).trimEnd()}…` : text;
}

function drawBody(view, node) {
  const p = node.post;
  const isMod = moderates(view.thread);
  clear(node.bodyEl);
  if (p.deleted) {
    node.bodyEl.append(h("p", { class: "placeholder" }, t("post.deleted")));
    return;
  }
  if (p.hidden && !p.html) {
    node.bodyEl.append(h("p", { class: "placeholder" }, t("post.hidden")));
    return;
  }
  if (p.pending) {
    node.bodyEl.append(h("p", { class: "placeholder" },
      isMod ? t("post.held.mod") : t("post.held.author")));
  }
  if (p.hidden) {
    node.bodyEl.append(h("p", { class: "placeholder" },
      p.hidden_reason ? t("post.hidden.reason", { reason: p.hidden_reason.trim().replace(/[.!?…]$/, "") }) : t("post.hidden"),
      " ", isMod ? t("post.hidden.mod") : t("post.hidden.author")));
  }
  // The post's own language (docs/languages.md), so screen readers pronounce it right.
  node.bodyEl.append(trustedHtml(h("div", { class: "prose", lang: p.lang || null, dir: "auto" }), p.html));
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
    answer ? [icon("✓"), " ", t("post.theAnswer")] : null,
    official ? (answer ? ` · ${t("post.officialAnswer")}` : [icon("◆"), " ", t("post.officialAnswer")]) : null);
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
    if (PHONE.matches) {
      drawActions(view, node);
      node.actionsEl.querySelector(".react-button")?.focus();
    } else {
      node.reactionsEl.querySelector(`[data-kind="${kind}"]`)?.focus();
    }
  } catch (err) {
    btn.disabled = false;
    view.showPanelMessage(node, err.message, true);
  }
}

const reactable = (p) => !p.deleted && !(p.hidden && !p.html);

/** The reaction counts; on a wide screen, for a signed-in reader, the buttons
 * to react (on a phone they are the "React" picker of the action row). */
export function drawReactions(view, node) {
  const p = node.post;
  clear(node.reactionsEl);
  if (reactable(p)) {
    const counts = p.reactions || {};
    const mine = new Set(p.my_reactions || []);
    if (PHONE.matches || !view.thread.me) {
      const said = REACTIONS.filter(([kind]) => counts[kind]).map(([kind, label]) =>
        [label, counts[kind], mine.has(kind) ? t("thread.yours") : null].filter((x) => x !== null).join(" "));
      if (said.length) node.reactionsEl.append(h("p", { class: "reaction-summary" }, said.join(" · ")));
    } else {
      for (const [kind, label] of REACTIONS) {
        const count = counts[kind] || 0;
        const countEl = count ? h("span", { class: "count" }, String(count)) : null;
        node.reactionsEl.append(h("button", {
          type: "button",
          class: "reaction",
          "data-kind": kind,
          "aria-pressed": String(mine.has(kind)),
          onclick: (event) => toggleReaction(view, node, kind, !mine.has(kind), event.currentTarget),
        }, label, countEl ? " " : null, countEl));
      }
    }
  }
  view.fitTabs(node);
}

function replyCount(node) {
  return node.replies.querySelectorAll(":scope li.post-node").length;
}

/** What this reader may do with the post, each [text, act]: most open a panel under it. */
function acts(view, node) {
  const { thread } = view;
  const p = node.post;
  const me = thread.me;
  const open = takesPosts(thread);
  const list = [];
  const add = (text, act) => list.push([text, act]);
  if (me && p.author.id === me.id && !p.deleted && open) {
    add(t("post.edit"), () => view.openPanel(node, "edit"));
    add(t("post.delete"), () => view.openPanel(node, "delete"));
  }
  if (p.edited_at && !p.deleted && (!p.hidden || p.html)) add(t("post.history"), () => view.openPanel(node, "history"));
  if (me && p.author.id !== me.id && !p.deleted && !p.hidden && !p.flagged_by_me) add(t("post.flag"), () => view.openPanel(node, "flag"));
  if (me && p.author.id === me.id && p.hidden && !p.deleted && !decides(thread, p)) {
    add(t("moderation.kind.appeal"), () => view.openPanel(node, "appeal"));
  }
  if (decides(thread, p) && !p.deleted) {
    if (p.hidden) add(t("post.restore"), () => view.restore(node));
    else add(t("post.hide"), () => view.openPanel(node, "hide"));
  }
  return list;
}

/** The bar of what this reader may do with the post: on a wide screen a row
 * of buttons, on a phone React, Reply and a "More" menu. */
export function drawActions(view, node) {
  const { thread } = view;
  const p = node.post;
  const me = thread.me;
  const bar = clear(node.actionsEl);
  const phone = PHONE.matches;
  const button = (text, onclick, extra = {}) => h("button", { type: "button", class: "linklike", onclick, ...extra }, text);
  if (phone && me && reactable(p)) bar.append(reactPicker(view, node));
  const n = replyCount(node);
  if (n > 0) {
    // On a phone "Collapse" alone, so that the post stays one row (aria-expanded says the rest).
    const words = node.collapsed ? t("post.expand", { count: n })
      : phone ? t("thread.collapse") : t("post.collapse", { count: n });
    bar.append(button(words, () => view.setCollapsed(node, !node.collapsed),
      { "aria-expanded": String(!node.collapsed), "aria-controls": node.replies.id, class: "linklike toggle" }));
  }
  if (me && takesPosts(thread) && !p.deleted) bar.append(button(t("post.reply"), () => view.openPanel(node, "reply")));
  const more = acts(view, node);
  const sanction = moderates(thread) && me && p.author.id !== me.id
    ? `/moderation?space=${thread.space.id}&user=${p.author.id}#sanctions` : null;
  if (phone) {
    if (sanction) more.push([t("moderation.sanctions.open"), () => location.assign(sanction)]);
    if (more.length) {
      bar.append(menuButton({ label: t("thread.moreMenu"), name: t("thread.moreFor", { name: p.author.display_name }),
        items: more.map(([text, act]) => ({ text, act })) }));
    }
  } else {
    for (const [text, act] of more) bar.append(button(text, act));
    if (sanction) bar.append(h("a", { class: "action-link", href: sanction }, t("moderation.sanctions.open")));
  }
  view.fitTabs(node);
}

/** On a phone: one "React" button whose menu ticks the reader's reactions. */
function reactPicker(view, node) {
  const p = node.post;
  const mine = new Set(p.my_reactions || []);
  const counts = p.reactions || {};
  const picker = menuButton({
    label: t("thread.react"), // what the reader chose is ticked in the menu and said in the counts
    name: t("thread.reactTo", { name: p.author.display_name }),
    className: "react-button",
    items: REACTIONS.map(([kind, label]) => ({
      text: counts[kind] ? `${label} (${counts[kind]})` : label,
      checked: mine.has(kind),
      act: () => toggleReaction(view, node, kind, !mine.has(kind), picker.querySelector("button")),
    })),
  });
  return picker;
}
