// A long thread read in pages as the reader scrolls (GET /topics/{id}/posts
// pages in tree order with a cursor), without losing or doubling a live
// event. An event about a post the page has not read yet waits here: a new
// reply to a post not loaded yet waits for its parent and then shows right
// under it; a new post at the root waits for the last page (it is the newest,
// and older ones are still to come); an edit, a hiding or a reaction of a post
// not loaded yet is applied once the page brings the post. Nothing is applied
// twice: the thread's state merges a post it has (state.js).

import { get } from "../api.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";

export const PAGE_SIZE = 100;
const NEAR_PX = 1500; // read the next page when its button is this close to the screen

export class Pager {
  /** `apply(msg)`: the page's way to apply one event of the topic channel;
   * `place(posts)`: the view's way to put a page of posts in the thread. */
  constructor({ ctx, topicId, apply, place }) {
    this.ctx = ctx;
    this.topicId = topicId;
    this.apply = apply;
    this.place = place;
    this.cursor = null;
    this.started = false;
    this.readCount = 0; // posts read since the first page
    this.loading = null; // the page being read
    this.waiting = new Map(); // post id -> the events about it, in order
    this.childrenOf = new Map(); // parent id (0: the root) -> ids of new posts waiting for it
    // For a pointer; the keyboard reads on with the arrow keys in the list (the
    // next page comes as the last post nears the screen), so the Tab stops
    // before the reply box stay as many as in a thread of one page.
    this.button = h("button", { type: "button", class: "thread-more", hidden: true, tabindex: "-1",
      onclick: () => this.next() }, t("thread.more"));
    this.el = h("div", { class: "thread-more-wrap" }, this.button);
    this.observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) this.next();
    }, { rootMargin: [0, 0, NEAR_PX, 0].map((n) => `${n}px`).join(" ") });
    this.observer.observe(this.button);
    ctx.cleanup(() => this.observer.disconnect());
  }

  /** Pages remain to be read. */
  get more() {
    return !this.started || this.cursor !== null;
  }

  /** How many new posts wait for a page that is not read yet. */
  get held() {
    let n = 0;
    for (const ids of this.childrenOf.values()) n += ids.size;
    return n;
  }

  /** The first page again (the first load, or after a reset). */
  async first() {
    this.started = false;
    this.cursor = null;
    this.readCount = 0;
    await this.next();
  }

  /** Reads the next page, if any (one at a time). */
  next() {
    if (!this.more) return Promise.resolve();
    if (!this.loading) {
      this.loading = this.read().finally(() => {
        this.loading = null;
      });
    }
    return this.loading;
  }

  /** Every page left (before jumping to the newest post, or writing a new one at the root). */
  async rest() {
    while (this.more) await this.next();
  }

  async read() {
    const q = `?limit=${PAGE_SIZE}${this.cursor ? `&cursor=${encodeURIComponent(this.cursor)}` : ""}`;
    this.button.disabled = true;
    try {
      const page = await get(`/topics/${this.topicId}/posts${q}`, { signal: this.ctx.signal });
      this.started = true;
      this.cursor = page.next_cursor;
      this.readCount += page.posts.length;
      this.place(page.posts);
      for (const p of page.posts) this.release(p.id);
      if (!this.more) this.releaseAll();
    } finally {
      this.button.disabled = false;
      this.button.hidden = !this.more;
    }
  }

  /**
   * An event of the topic channel, before the thread applies it: answers true
   * when it is about a post not loaded yet and waits here. `known(id)`: the
   * thread has that post.
   */
  hold(msg, known) {
    if (!this.more || (!msg.name.startsWith("post.") && msg.name !== "reaction.changed")) return false;
    const data = msg.data || {};
    const p = data.post || data;
    const id = msg.name === "reaction.changed" ? data.post_id : p.id;
    if (known(id)) return false;
    if (msg.name === "post.created") {
      const parent = p.parent_id || 0;
      if (parent && known(parent)) return false; // it shows right under its parent now
      if (!this.childrenOf.has(parent)) this.childrenOf.set(parent, new Set());
      this.childrenOf.get(parent).add(id);
    }
    if (!this.waiting.has(id)) this.waiting.set(id, []);
    this.waiting.get(id).push(msg);
    return true;
  }

  /** The post `id` is in the thread now: what waited for it, and the new replies to it. */
  release(id) {
    const events = this.waiting.get(id);
    this.waiting.delete(id);
    for (const msg of events || []) this.apply(msg);
    const children = this.childrenOf.get(id);
    this.childrenOf.delete(id);
    for (const child of children || []) this.release(child);
  }

  /** The last page is read: the new posts at the root, then whatever still
   * waits (a reply to a post this reader may not see), in the order it came. */
  releaseAll() {
    this.release(0);
    for (const id of [...this.childrenOf.keys()]) this.release(id);
    for (const id of [...this.waiting.keys()]) this.release(id);
  }
}
