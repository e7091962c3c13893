// The thread on the page: a tree of posts (a reply sits in its parent's
// list), each drawn by post-view.js from the thread's state (state.js). The
// view places posts (new ones through arrivals.js, without moving what the
// reader reads), draws what an event changed, collapses replies, and is what
// the other thread modules call back: they import state.js and the DOM
// helpers, never each other's views.

import { h } from "../dom.js";
import { Arrivals } from "./arrivals.js";
import { closePanel, openPanel, showPanelMessage } from "./post-panel.js";
import { restore } from "./post-moderation.js";
import { drawActions, drawPost, drawReactions, makeNode } from "./post-view.js";
import { isMine, putPost } from "./state.js";

export class ThreadView {
  constructor({ ctx, thread, channel }) {
    this.ctx = ctx;
    this.thread = thread;
    this.channel = channel;
    this.nodes = new Map(); // post id -> node
    this.rootList = h("ol", { class: "thread", "aria-label": "Posts" });
    this.arrivals = new Arrivals({ ctx, nodes: this.nodes, rootList: this.rootList, reveal: (node) => this.reveal(node) });
    this.marker = this.arrivals.marker;
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
    const node = fresh ? this.arrivals.keepPlace(() => this.insert(id)) : this.insert(id);
    // Our own post may come back on the socket before the POST answers.
    if (fresh && isMine(this.thread, node.post)) mine = true;
    if (fresh || mine) this.arrivals.arrived(node, { mine });
    return node;
  }

  insert(id) {
    const node = makeNode(this, id);
    const parent = this.parentOf(node);
    this.nodes.set(id, node);
    (parent ? parent.replies : this.rootList).append(node.li);
    // Its ancestors' reply counts changed.
    for (let a = parent; a; a = this.parentOf(a)) this.drawActions(a);
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
