// How new posts reach a reader of the thread: they land in place without
// moving what the reader is reading; those off screen, and those waiting for
// a page not read yet (pager.js), are counted in an "N new replies" bar (its
// first button brings the first one into view, reading the pages it needs;
// "Jump to newest" goes to the newest post); each is marked seen once on
// screen; a live region announces them, in batches.

import { h } from "../dom.js";
import { t } from "../i18n.js";

const SEEN_AFTER_MS = 6000;
const ANNOUNCE_AFTER_MS = 800;

function onScreen(el) {
  const r = el.getBoundingClientRect();
  return r.bottom > 0 && r.top < window.innerHeight && r.height > 0;
}

function hiddenByCollapse(node) {
  return Boolean(node.li.parentElement && node.li.parentElement.closest("[hidden]"));
}

export class Arrivals {
  /** nodes: the view's post id → node map; rootList: the thread's list;
   * reveal(node): expand what hides the node. The page sets `held()` (new
   * posts waiting for a page) and `jump()` (to the newest post). */
  constructor({ ctx, nodes, rootList, reveal }) {
    this.ctx = ctx;
    this.nodes = nodes;
    this.rootList = rootList;
    this.reveal = reveal;
    this.held = () => 0;
    this.jump = async () => {};
    this.unseen = new Set(); // post ids that arrived off-screen and were not seen yet
    this.count = h("button", { type: "button", class: "new-marker" });
    this.marker = h("div", { class: "new-bar", hidden: true }, this.count,
      h("button", { type: "button", class: "new-jump", onclick: () => this.jump() }, t("thread.jumpToNewest")));
    this.announceTimer = null;
    this.announceQueue = [];
    this.observer = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        const id = Number(entry.target.dataset.postId);
        this.observer.unobserve(entry.target);
        this.markSeen(id);
      }
    }, { threshold: 0.4 });
    ctx.cleanup(() => this.observer.disconnect());
    this.count.addEventListener("click", () => this.showFirstUnseen());
    const onScroll = () => {
      if (!this.marker.hidden) this.drawMarker();
    };
    window.addEventListener("scroll", onScroll, { passive: true });
    ctx.cleanup(() => window.removeEventListener("scroll", onScroll));
    ctx.cleanup(() => clearTimeout(this.announceTimer));
  }

  /** The first post whose top is on screen: what the reader is reading. */
  readingAnchor() {
    for (const node of this.nodes.values()) {
      if (node.li.closest("[hidden]")) continue;
      const r = node.article.getBoundingClientRect();
      if (r.bottom > 0 && r.height > 0) return { el: node.article, top: r.top };
    }
    return null;
  }

  /** Applies a change without moving what is on screen. */
  keepPlace(change) {
    const anchor = this.readingAnchor();
    const result = change();
    if (anchor) {
      const delta = anchor.el.getBoundingClientRect().top - anchor.top;
      if (Math.abs(delta) >= 1) window.scrollBy(0, delta);
    }
    return result;
  }

  /** A post just placed: highlighted for a while; someone else's is counted
   * while off screen, watched until seen, and announced. */
  arrived(node, { mine }) {
    node.article.classList.add("is-new");
    node.article.dataset.postId = String(node.id);
    if (mine) {
      setTimeout(() => node.article.classList.remove("is-new"), SEEN_AFTER_MS);
      return;
    }
    if (hiddenByCollapse(node) || !onScreen(node.article)) {
      this.unseen.add(node.id);
      this.drawMarker();
    }
    this.observer.observe(node.article);
    this.announceNew(node.post);
  }

  markSeen(id) {
    const node = this.nodes.get(id);
    this.unseen.delete(id);
    this.drawMarker();
    if (!node) return;
    node.article.classList.add("seen");
    setTimeout(() => node.article.classList.remove("is-new", "seen"), SEEN_AFTER_MS);
  }

  drawMarker() {
    const n = [...this.unseen].filter((id) => this.nodes.has(id)).length + this.held();
    if (n === 0) {
      this.marker.hidden = true;
      return;
    }
    const first = this.firstUnseen();
    const above = first && first.article.getBoundingClientRect().bottom < 0;
    this.count.textContent = `${t("arrivals.newReplies", { count: n })} ${above ? "↑" : "↓"}`;
    this.marker.hidden = false;
  }

  firstUnseen() {
    for (const li of this.rootList.querySelectorAll("li.post-node")) {
      const id = Number(li.id.slice(5));
      if (this.unseen.has(id)) return this.nodes.get(id);
    }
    return null;
  }

  /** Brings the first new post into view (reading the pages it waits for, if any). */
  async showFirstUnseen() {
    let node = this.firstUnseen();
    if (!node && this.held() > 0) {
      await this.jump({ go: false });
      node = this.firstUnseen();
    }
    if (node) this.show(node);
  }

  show(node) {
    this.reveal(node);
    node.article.scrollIntoView({ block: "center", behavior: "smooth" });
    node.article.focus({ preventScroll: true });
    if (this.unseen.has(node.id)) this.markSeen(node.id);
  }

  announceNew(p) {
    this.announceQueue.push(p);
    clearTimeout(this.announceTimer);
    this.announceTimer = setTimeout(() => {
      const batch = this.announceQueue;
      this.announceQueue = [];
      if (batch.length === 1) {
        const q = batch[0];
        const parent = q.parent_id && this.nodes.get(q.parent_id);
        this.ctx.announce(parent
          ? t("arrivals.replyFrom", { name: q.author.display_name, to: parent.post.author.display_name })
          : t("arrivals.postFrom", { name: q.author.display_name }));
      } else if (batch.length > 1) {
        this.ctx.announce(t("arrivals.newPosts", { count: batch.length }));
      }
    }, ANNOUNCE_AFTER_MS);
  }
}
