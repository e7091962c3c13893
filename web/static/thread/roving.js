// One Tab stop for the whole list of posts, however long the thread (a roving
// tabindex): only the post the keyboard is on, and its links and buttons, are
// in the Tab order; Up and Down (and Home, End) move between posts; a click
// or focus anywhere in a post makes it the one. So the number of Tab presses
// from the top of the page to the reply box does not grow with the thread.

// Where each key goes, from the post at `at` of `n`.
const MOVES = {
  ArrowDown: (at) => at + 1,
  ArrowUp: (at) => at - 1,
  Home: () => 0,
  End: (at, n) => n - 1,
};

/** Whether a key on `target` (inside a post) may move between posts: on the
 * post itself, or on a link or button of its head, reactions or actions; not
 * while writing or choosing in a form or a menu. */
function moves(target) {
  if (target.matches("article.post")) return true;
  if (target.closest(".post-panel, .menu, form, .prose")) return false;
  return target.matches("a, button") && !target.matches("[aria-haspopup]");
}

export class Roving {
  /** `list`: the thread's root list; `nodeOf(article)`: the view's node of a post. */
  constructor(list, nodeOf) {
    this.list = list;
    this.nodeOf = nodeOf;
    this.active = null; // the node the keyboard is on
    list.addEventListener("focusin", (e) => {
      const article = e.target.closest("article.post");
      const node = article && this.nodeOf(article);
      if (node && node !== this.active) this.activate(node);
    });
    list.addEventListener("keydown", (e) => {
      if (!Object.hasOwn(MOVES, e.key) || e.altKey || e.ctrlKey || e.metaKey || !moves(e.target)) return;
      const posts = this.visiblePosts();
      const to = MOVES[e.key](posts.indexOf(e.target.closest("article.post")), posts.length);
      if (to < 0 || to >= posts.length) return;
      e.preventDefault();
      posts[to].focus();
      posts[to].scrollIntoView({ block: "nearest" });
    });
  }

  /** The posts on the page, in reading order, not inside a collapsed list. */
  visiblePosts() {
    return [...this.list.querySelectorAll("article.post")].filter((a) => !a.parentElement.closest("[hidden]"));
  }

  activate(node) {
    const before = this.active;
    this.active = node;
    if (before) this.fit(before);
    this.fit(node);
  }

  /** After a post is drawn: in the Tab order if it is the active one (the
   * first post while none is), out of it otherwise. Menu items keep their own
   * tabindex (the menu moves focus among them). */
  fit(node) {
    if (!this.active) this.active = node;
    const on = node === this.active;
    node.article.tabIndex = on ? 0 : -1;
    for (const el of node.article.querySelectorAll("a[href], button, input, select, textarea, [tabindex]")) {
      if (el.closest(".menu")) continue;
      if (on && el.dataset.roving) {
        el.removeAttribute("tabindex");
        delete el.dataset.roving;
      } else if (!on && !el.hasAttribute("tabindex")) {
        el.tabIndex = -1;
        el.dataset.roving = "1";
      }
    }
  }
}
