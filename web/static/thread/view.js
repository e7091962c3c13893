// The thread on the page: a tree of posts, each drawn by post-view.js from the
// thread's state (state.js). Replies nest in their parent's list for NEST
// levels; deeper ones are laid flat in the list of their ancestor at that
// depth, each saying whom it answers with a link up to it (as Discourse and
// Reddit do), so a deep thread does not squeeze to a sliver on a phone. A new
// reply shows right under the post it answers, not at the end of its replies.
// The view places posts (new ones through arrivals.js, without moving what the
// reader reads), draws what an event changed, collapses replies, keeps one
// Tab stop for the list (roving.js), and is what the other thread modules call
// back: they import state.js and the DOM helpers, never each other's views.

import { h } from "../dom.js";
import { t } from "../i18n.js";
import { Arrivals } from "./arrivals.js";
import { closePanel, openPanel, showPanelMessage } from "./post-panel.js";
import { restore } from "./post-moderation.js";
import { drawActions, drawPost, drawReactions, makeNode } from "./post-view.js";
import { Roving } from "./roving.js";
import { isMine, putPost } from "./state.js";

/** Levels of replies that nest; deeper ones lie flat under their ancestor at this depth. */
export const NEST = 3;

export class ThreadView {
  constructor({ ctx, thread, channel }) {
    this.ctx = ctx;
    this.thread = thread;
    this.channel = channel;
    this.nodes = new Map(); // post id -> node
    this.rootList = h("ol", { class: "thread", "aria-label": t("search.kind.posts"), "aria-describedby": "thread-keys" });
    this.arrivals = new Arrivals({ ctx, nodes: this.nodes, rootList: this.rootList, reveal: (node) => this.reveal(node) });
    this.marker = this.arrivals.marker;
    this.roving = new Roving(this.rootList, (article) => this.nodes.get(Number(article.closest("li.post-node").id.slice(5))));
    this.batch = null; // while a page is placed: the posts whose reply counts changed
    /** Reads every page not read yet (the page sets it: pager.js). */
    this.loadRest = async () => {};
  }

  /** A page of posts from the server, in tree order; each one's ancestors'
   * reply counts are drawn once at the end. */
  addPosts(posts, { fresh = false } = {}) {
    this.batch = new Set();
    try {
      for (const p of posts) this.addPost(p, { fresh: fresh && !this.nodes.has(p.id) });
    } finally {
      const touched = this.batch;
      this.batch = null;
      for (const node of touched) this.drawActions(node);
    }
  }

  /** A post from the server: updates the one we have, or places a new one.
   * `fresh`: it arrived while the page was open (highlighted, announced);
   * `mine`: the reader's own, just posted. */
  addPost(p, { mine = false, fresh = false, fromEvent = false } = {}) {
    const { isNew, changed } = putPost(this.thread, p, { fromEvent });
    if (!isNew) {
      const node = this.nodes.get(p.id);
      if (changed) this.arrivals.keepPlace(() => this.draw(node));
      return node;
    }
    return this.place(p.id, { mine, fresh });
  }

  /** Draws what applying an event changed (state.applyEvent). */
  render(change) {
    const node = this.nodes.get(change.id);
    switch (change.kind) {
      case "added":
        this.place(change.id, { fresh: true });
        break;
      case "changed":
        this.arrivals.keepPlace(() => this.draw(node));
        break;
      case "reactions":
        drawReactions(this, node);
        break;
      case "closePanel":
        this.closePanel(node);
        break;
      default:
        break;
    }
  }

  place(id, { mine = false, fresh = false }) {
    const node = fresh || mine ? this.arrivals.keepPlace(() => this.insert(id, { fresh: true })) : this.insert(id);
    // Our own post may come back on the socket before the POST answers.
    if (fresh && isMine(this.thread, node.post)) mine = true;
    if (fresh || mine) this.arrivals.arrived(node, { mine });
    return node;
  }

  /** Puts a new post in the tree: a fresh one right under the post it
   * answers, one read from a page at the end of where it belongs (pages come
   * in tree order). */
  insert(id, { fresh = false } = {}) {
    const node = makeNode(this, id);
    const parent = this.parentOf(node);
    this.nodes.set(id, node);
    if (!parent) this.rootList.append(node.li);
    else if (parent.post.depth < NEST) {
      if (fresh) parent.replies.prepend(node.li);
      else parent.replies.append(node.li);
    } else {
      // Lies flat: in the list of the ancestor at depth NEST, after the post it answers.
      const list = parent.post.depth === NEST ? parent.replies : parent.li.parentElement;
      if (!fresh) list.append(node.li);
      else if (list === parent.replies) list.prepend(node.li);
      else parent.li.after(node.li);
    }
    // Its ancestors' reply counts changed.
    for (let a = parent; a; a = this.parentOf(a)) {
      if (this.batch) this.batch.add(a);
      else this.drawActions(a);
    }
    return node;
  }

  parentOf(node) {
    const parentId = node.post.parent_id;
    return (parentId && this.nodes.get(parentId)) || null;
  }

  draw(node) {
    drawPost(this, node);
  }

  drawActions(node) {
    drawActions(this, node);
  }

  /** After a post's controls are drawn: in the Tab order or not (roving.js). */
  fitTabs(node) {
    this.roving.fit(node);
  }

  /** The newest post on the page (the highest id), or null. */
  newest() {
    let best = null;
    for (const node of this.nodes.values()) if (!best || node.id > best.id) best = node;
    return best;
  }

  /** After the topic changed (locked, moved...): what each reader may do. */
  drawAllActions() {
    for (const node of this.nodes.values()) drawActions(this, node);
  }

  setCollapsed(node, collapsed) {
    node.collapsed = collapsed;
    node.replies.hidden = collapsed;
    node.li.classList.toggle("collapsed", collapsed);
    drawActions(this, node);
    node.actionsEl.querySelector(".toggle")?.focus();
  }

  /** Expands every collapsed ancestor of the node. */
  reveal(node) {
    for (let a = this.parentOf(node); a; a = this.parentOf(a)) {
      if (a.collapsed) this.setCollapsed(a, false);
    }
  }

  openPanel(node, kind) {
    openPanel(this, node, kind);
  }

  closePanel(node) {
    closePanel(node);
  }

  showPanelMessage(node, text, isError = false) {
    showPanelMessage(node, text, isError);
  }

  restore(node) {
    restore(this, node);
  }
}
