// A topic: the thread as a tree, live. New posts land in place, highlighted,
// without moving what the reader is reading; off-screen ones are counted in a
// "N new replies" marker; a live region announces them.

import { ApiError, all, del, get, patch, post } from "../api.js";
import {
  badge, clear, clientId, field, formError, h, onSubmit, select, stakeholderLabel, timeEl, trustedHtml, uid,
} from "../dom.js";
import { live } from "../live.js";
import { pollsSection } from "./polls.js";
import { breadcrumb, orgCrumb } from "../widgets.js";

const REACTIONS = [
  ["like", "Like"],
  ["agree", "Agree"],
  ["disagree", "Disagree"],
  ["insightful", "Insightful"],
  ["thanks", "Thanks"],
];

const FLAG_REASONS = [
  ["spam", "Spam"],
  ["abuse", "Abuse or harassment"],
  ["off_topic", "Off topic"],
  ["other", "Something else"],
];

export default async function topicPage(ctx) {
  const topicId = ctx.params[0];
  const channel = `topic:${topicId}`;
  // Follow the topic first (the socket connects while the page loads); the
  // thread is read over HTTP once the server has said where the channel is,
  // so nothing written in between is missed.
  let phase = "waiting"; // waiting | loading | loaded
  let refreshAfterLoad = false;
  const early = [];
  const liveHandlers = {
    event: (msg) => early.push(msg),
    subscribed: (_msg, first) => {
      if (!first || phase === "waiting") return;
      // Subscribed only after the thread was read: fetch what landed in between.
      if (phase === "loading") refreshAfterLoad = true;
      else liveHandlers.refresh();
    },
  };
  ctx.cleanup(live.subscribe(channel, liveHandlers));
  const subscribed = live.whenSubscribed(channel, 2500);
  let { topic } = await get(`/topics/${topicId}`, { signal: ctx.signal });
  let { space } = await get(`/spaces/${topic.space_id}`, { signal: ctx.signal });
  let org = null;
  try {
    org = (await get(`/orgs/${space.org_id}`, { signal: ctx.signal })).org;
  } catch (err) {
    if (err.name === "AbortError") throw err;
  }
  ctx.title(topic.title);

  const me = ctx.user;
  let isMod = Boolean(space.can_moderate);
  // Moderators do not decide on their own posts; the organization's admins may.
  let isAdmin = Boolean(space.can_administer);
  const decides = (p) => isMod && (!me || p.author.id !== me.id || isAdmin);
  const nodes = new Map(); // post id -> node
  const unseen = new Set(); // post ids that arrived off-screen and were not seen yet
  let loaded = false;
  const pending = early;

  // ---- layout --------------------------------------------------------------

  const title = h("h1", {}, topic.title);
  const badges = h("p", { class: "badges" });
  const modTools = h("div", { class: "mod-tools" });
  const topicNotice = h("div", {});
  const presence = h("span", { class: "presence" });
  const typingLine = h("span", { class: "typing" });
  const rootList = h("ol", { class: "thread", "aria-label": "Posts" });
  const marker = h("button", { type: "button", class: "new-marker", hidden: true });
  const composerSlot = h("section", { class: "composer", "aria-labelledby": "compose-h" });
  const polls = pollsSection({ topicId, signal: ctx.signal, announce: (text) => ctx.announce(text),
    state: () => ({ topic, org, me, isMod }) });

  const crumbs = h("div", {});
  const drawCrumbs = () => clear(crumbs, breadcrumb([
    ["/", "Home"],
    org ? orgCrumb(org) : null,
    [`/spaces/${space.id}`, space.name],
    [null, topic.title],
  ].filter(Boolean)));
  drawCrumbs();
  ctx.main.append(
    crumbs,
    h("header", { class: "page-head topic-head" },
      title, badges,
      h("p", { class: "muted small" }, `Started by ${topic.author.display_name} · `, timeEl(topic.created_at)),
      modTools, topicNotice),
    h("p", { class: "here muted small" }, presence, typingLine),
    polls.el,
    h("section", { "aria-labelledby": "thread-h" },
      h("h2", { id: "thread-h", class: "visually-hidden" }, "Thread"),
      rootList),
    composerSlot,
    marker,
  );

  const open = () => !topic.locked && !topic.archived;

  function drawHead() {
    drawCrumbs();
    title.textContent = topic.title;
    ctx.title(topic.title);
    clear(badges,
      topic.pinned ? badge("Pinned", "pinned") : "",
      topic.locked ? badge("Locked", "locked") : "",
      topic.archived ? badge("Archived", "archived") : "",
      space.visibility === "private" ? badge("Private space", "private") : "",
    );
    clear(topicNotice);
    if (topic.archived) topicNotice.append(h("p", { class: "notice" }, "This topic is archived: it can be read but takes no new posts."));
    else if (topic.locked) topicNotice.append(h("p", { class: "notice" }, "This topic is locked: it can be read but takes no new posts."));
    drawModTools();
    drawComposer();
    for (const node of nodes.values()) drawActions(node);
    polls.redraw();
  }

  /** The topic now lives in another space: show where. */
  async function followMove() {
    if (topic.space_id === space.id) return;
    try {
      space = (await get(`/spaces/${topic.space_id}`, { signal: ctx.signal })).space;
      isMod = Boolean(space.can_moderate);
      isAdmin = Boolean(space.can_administer);
      if (org && org.id !== space.org_id) org = null;
    } catch (e) {
      if (e.name === "AbortError") return;
    }
    drawHead();
  }

  function drawModTools() {
    clear(modTools);
    if (!isMod) return;
    const err = h("p", { class: "form-error", role: "alert", hidden: true });
    const toggle = (key, on, off) => h("button", {
      type: "button",
      "aria-pressed": String(Boolean(topic[key])),
      onclick: async (event) => {
        const btn = event.currentTarget;
        btn.disabled = true;
        err.hidden = true;
        try {
          topic = (await patch(`/topics/${topicId}`, { [key]: !topic[key] })).topic;
          drawHead();
          ctx.announce(`Topic ${topic[key] ? on.toLowerCase() : off.toLowerCase()}.`);
        } catch (e) {
          err.textContent = e.message;
          err.hidden = false;
          btn.disabled = false;
        }
      },
    }, topic[key] ? off : on);
    const rename = h("button", { type: "button", onclick: () => {
      const form = h("form", { class: "inline-form" },
        formError(),
        field({ label: "New title", name: "title", value: topic.title, required: true, maxlength: 200 }),
        h("div", { class: "actions" },
          h("button", { type: "submit", class: "primary" }, "Rename"),
          h("button", { type: "button", onclick: () => drawModTools() }, "Cancel")));
      onSubmit(form, async (data) => {
        topic = (await patch(`/topics/${topicId}`, { title: data.title })).topic;
        drawHead();
        ctx.announce("Topic renamed.");
      });
      modTools.append(form);
      form.querySelector("input").focus();
    } }, "Rename");
    const move = h("button", { type: "button", onclick: async () => {
      const form = h("form", { class: "inline-form" }, formError(), h("p", { class: "muted" }, "Loading spaces…"));
      modTools.append(form);
      let spaces = [];
      try {
        spaces = (await get(`/orgs/${space.org_id}/spaces`, { signal: ctx.signal })).spaces
          .filter((s) => s.can_moderate && s.id !== space.id);
      } catch (e) {
        if (e.name === "AbortError") return;
      }
      if (spaces.length === 0) {
        clear(form, h("p", { class: "notice" }, "There is no other space of this organization you moderate."),
          h("button", { type: "button", onclick: () => drawModTools() }, "Close"));
        return;
      }
      clear(form, formError(),
        select({ label: "Move this topic to", name: "space_id", options: spaces.map((s) => [String(s.id), s.name]), value: String(spaces[0].id) }),
        h("div", { class: "actions" },
          h("button", { type: "submit", class: "primary" }, "Move topic"),
          h("button", { type: "button", onclick: () => drawModTools() }, "Cancel")));
      onSubmit(form, async (data) => {
        topic = (await post(`/topics/${topicId}/move`, { space_id: Number(data.space_id) })).topic;
        await followMove();
        ctx.announce(`Topic moved to ${space.name}.`);
      });
      form.querySelector("select").focus();
    } }, "Move");
    modTools.append(
      h("div", { class: "toolbar", role: "group", "aria-label": "Moderate this topic" },
        toggle("pinned", "Pin", "Unpin"),
        toggle("locked", "Lock", "Unlock"),
        toggle("archived", "Archive", "Unarchive"),
        rename, move),
      err);
  }

  function drawComposer() {
    clear(composerSlot);
    composerSlot.append(h("h2", { id: "compose-h" }, "Add to the discussion"));
    if (!me) {
      const next = encodeURIComponent(location.pathname);
      composerSlot.append(h("p", {}, h("a", { href: `/login?next=${next}` }, "Sign in"), " or ",
        h("a", { href: `/signup?next=${next}` }, "create an account"), " to reply."));
      return;
    }
    if (!open()) {
      composerSlot.append(h("p", { class: "muted" }, "No new posts can be added to this topic."));
      return;
    }
    composerSlot.append(replyForm(null, { label: "Your post" }));
  }

  // ---- posts ---------------------------------------------------------------

  const privileged = (p) => isMod || (me && p.author.id === me.id);

  function replyCount(node) {
    return node.replies.querySelectorAll(":scope li.post-node").length;
  }

  function makeNode(p) {
    const li = h("li", { class: "post-node", id: `post-${p.id}` });
    const article = h("article", { class: "post", tabindex: "-1", "aria-labelledby": `post-${p.id}-by` });
    const replies = h("ol", { class: "replies", id: `replies-${p.id}` });
    li.append(article, replies);
    const node = {
      post: p, li, article, replies, collapsed: false,
      bodyEl: h("div", { class: "post-body" }),
      reactionsEl: h("div", { class: "reactions", role: "group", "aria-label": "Reactions" }),
      actionsEl: h("div", { class: "post-actions" }),
      panel: h("div", { class: "post-panel" }),
      headEl: h("header", { class: "post-head" }),
    };
    article.append(node.headEl, node.bodyEl, node.reactionsEl, node.actionsEl, node.panel);
    if (p.depth >= 4) li.classList.add("deep");
    drawPost(node);
    return node;
  }

  function drawPost(node) {
    const p = node.post;
    node.article.classList.toggle("is-hidden", p.hidden);
    node.article.classList.toggle("is-deleted", p.deleted);
    node.article.classList.toggle("is-mine", Boolean(me && p.author.id === me.id));
    const parent = p.parent_id ? nodes.get(p.parent_id) : null;
    clear(node.headEl,
      h("span", { class: "author", id: `post-${p.id}-by` }, p.author.display_name),
      p.author.staff ? [" ", h("span", { class: "badge badge-staff", title: "A moderator of this space or an admin of its organization" }, "Staff")] : null,
      " ", h("span", { class: `badge stakeholder stakeholder-${p.author.stakeholder_type}` },
        stakeholderLabel(p.author.stakeholder_type)),
      " ", h("a", { href: `#post-${p.id}`, class: "permalink" }, timeEl(p.created_at)),
      p.edited_at ? h("span", { class: "muted" }, " · edited") : null,
      parent && p.depth >= 4 ? h("span", { class: "muted reply-to" }, " · in reply to ",
        h("a", { href: `#post-${parent.post.id}` }, parent.post.author.display_name)) : null,
    );
    clear(node.bodyEl);
    if (p.deleted) {
      node.bodyEl.append(h("p", { class: "placeholder" }, "This post was deleted by its author."));
    } else if (p.hidden && !p.html) {
      node.bodyEl.append(h("p", { class: "placeholder" }, "Hidden by a moderator."));
    } else {
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
    drawReactions(node);
    drawActions(node);
  }

  function drawReactions(node) {
    const p = node.post;
    clear(node.reactionsEl);
    if (p.deleted || (p.hidden && !p.html)) return;
    const counts = p.reactions || {};
    const mine = new Set(p.my_reactions || []);
    for (const [kind, label] of REACTIONS) {
      const count = counts[kind] || 0;
      const countEl = count ? h("span", { class: "count" }, String(count)) : null;
      if (!me) {
        if (count) node.reactionsEl.append(h("span", { class: "reaction" }, `${label} `, countEl));
        continue;
      }
      node.reactionsEl.append(h("button", {
        type: "button",
        class: "reaction",
        "data-kind": kind,
        "aria-pressed": String(mine.has(kind)),
        onclick: async (event) => {
          const btn = event.currentTarget;
          btn.disabled = true;
          try {
            const on = !mine.has(kind);
            const state = on
              ? await post(`/posts/${p.id}/reactions`, { kind })
              : await del(`/posts/${p.id}/reactions/${kind}`);
            // node.post, not p: a live update may have replaced it meanwhile.
            const now = node.post;
            const set = new Set(now.my_reactions || []);
            if (state.mine) set.add(kind);
            else set.delete(kind);
            node.post = { ...now, reactions: { ...now.reactions, [kind]: state.count }, my_reactions: [...set] };
            drawReactions(node);
            node.reactionsEl.querySelector(`[data-kind="${kind}"]`)?.focus();
          } catch (err) {
            btn.disabled = false;
            showPanelMessage(node, err.message, true);
          }
        },
      }, label, countEl ? " " : null, countEl));
    }
  }

  function drawActions(node) {
    const p = node.post;
    const bar = clear(node.actionsEl);
    const button = (text, onclick, extra = {}) => h("button", { type: "button", class: "linklike", onclick, ...extra }, text);
    const n = replyCount(node);
    if (n > 0) {
      bar.append(button(node.collapsed ? `Expand ${n} ${n === 1 ? "reply" : "replies"}` : `Collapse ${n === 1 ? "reply" : "replies"}`,
        () => setCollapsed(node, !node.collapsed),
        { "aria-expanded": String(!node.collapsed), "aria-controls": node.replies.id, class: "linklike toggle" }));
    }
    if (me && open() && !p.deleted) bar.append(button("Reply", () => openPanel(node, "reply")));
    if (me && p.author.id === me.id && !p.deleted && open()) {
      bar.append(button("Edit", () => openPanel(node, "edit")));
      bar.append(button("Delete", () => openPanel(node, "delete")));
    }
    if (p.edited_at && !p.deleted && (!p.hidden || p.html)) bar.append(button("History", () => openPanel(node, "history")));
    if (me && p.author.id !== me.id && !p.deleted && !p.hidden) bar.append(button("Flag", () => openPanel(node, "flag")));
    if (me && p.author.id === me.id && p.hidden && !p.deleted && !decides(p)) {
      bar.append(button("Appeal", () => openPanel(node, "appeal")));
    }
    if (decides(p) && !p.deleted) {
      if (p.hidden) bar.append(button("Restore", () => restore(node)));
      else bar.append(button("Hide post", () => openPanel(node, "hide")));
    }
    if (isMod && me && p.author.id !== me.id) {
      bar.append(h("a", { class: "action-link", href: `/moderation?space=${space.id}&user=${p.author.id}#sanctions` }, "Mute or ban…"));
    }
  }

  function setCollapsed(node, collapsed) {
    node.collapsed = collapsed;
    node.replies.hidden = collapsed;
    node.li.classList.toggle("collapsed", collapsed);
    drawActions(node);
    node.actionsEl.querySelector(".toggle")?.focus();
  }

  function closePanel(node) {
    clear(node.panel);
    node.panelKind = null;
  }

  function showPanelMessage(node, text, isError = false) {
    clear(node.panel, h("p", { class: isError ? "form-error" : "notice", role: isError ? "alert" : "status" }, text));
    node.panelKind = "message";
  }

  function openPanel(node, kind) {
    if (node.panelKind === kind) {
      closePanel(node);
      return;
    }
    clear(node.panel);
    node.panelKind = kind;
    const p = node.post;
    let form = null;
    if (kind === "reply") {
      form = replyForm(node, { label: `Reply to ${p.author.display_name}` });
    } else if (kind === "edit") {
      form = h("form", { class: "inline-form" }, formError(),
        field({ label: "Edit your post", name: "body", type: "textarea", value: p.body, required: true, maxlength: 20000, rows: 5 }),
        h("div", { class: "actions" },
          h("button", { type: "submit", class: "primary" }, "Save"),
          h("button", { type: "button", onclick: () => closePanel(node) }, "Cancel")));
      onSubmit(form, async (data) => {
        const { post: updated } = await patch(`/posts/${p.id}`, { body: data.body });
        node.post = { ...node.post, ...updated };
        closePanel(node);
        drawPost(node);
        ctx.announce("Your post was updated.");
        node.article.focus();
      });
    } else if (kind === "delete") {
      form = h("form", { class: "inline-form" }, formError(),
        h("p", {}, "Delete this post? Replies to it stay in the thread."),
        h("div", { class: "actions" },
          h("button", { type: "submit", class: "danger" }, "Delete post"),
          h("button", { type: "button", onclick: () => closePanel(node) }, "Cancel")));
      onSubmit(form, async () => {
        await del(`/posts/${p.id}`);
        node.post = { ...node.post, deleted: true, body: "", html: "" };
        closePanel(node);
        drawPost(node);
        ctx.announce("Your post was deleted.");
        node.article.focus();
      });
    } else if (kind === "flag") {
      const legend = h("legend", {}, "Why should the moderators look at this post?");
      const fieldset = h("fieldset", {}, legend, FLAG_REASONS.map(([value, label], i) => {
        const id = uid("flag");
        return h("div", { class: "radio" }, h("input", { type: "radio", name: "reason", value, id, required: true, checked: i === 0 }), h("label", { for: id }, label));
      }));
      form = h("form", { class: "inline-form" }, formError(), fieldset,
        field({ label: "Details (optional)", name: "note", type: "textarea", maxlength: 2000, rows: 2 }),
        h("div", { class: "actions" },
          h("button", { type: "submit", class: "primary" }, "Send flag"),
          h("button", { type: "button", onclick: () => closePanel(node) }, "Cancel")));
      onSubmit(form, async (data) => {
        await post(`/posts/${p.id}/flags`, { reason: data.reason, note: data.note || "" });
        showPanelMessage(node, "Thank you. The moderators will review this post.");
        ctx.announce("Flag sent to the moderators.");
      });
    } else if (kind === "hide") {
      form = h("form", { class: "inline-form" }, formError(),
        field({ label: "Reason (shown to the author)", name: "reason", maxlength: 2000 }),
        h("div", { class: "actions" },
          h("button", { type: "submit", class: "danger" }, "Hide this post"),
          h("button", { type: "button", onclick: () => closePanel(node) }, "Cancel")));
      onSubmit(form, async (data) => {
        const { post: updated } = await post(`/posts/${p.id}/hide`, { reason: data.reason || "" });
        node.post = { ...node.post, ...updated };
        closePanel(node);
        drawPost(node);
        ctx.announce("Post hidden.");
        node.article.focus();
      });
    } else if (kind === "appeal") {
      form = h("form", { class: "inline-form" }, formError(),
        field({ label: "Why should this post be restored?", name: "text", type: "textarea", required: true, maxlength: 2000, rows: 3,
          hint: "You can appeal once. The moderators answer with a reason." }),
        h("div", { class: "actions" },
          h("button", { type: "submit", class: "primary" }, "Send appeal"),
          h("button", { type: "button", onclick: () => closePanel(node) }, "Cancel")));
      onSubmit(form, async (data) => {
        await post(`/posts/${p.id}/appeal`, { text: data.text });
        showPanelMessage(node, "Your appeal was sent to the moderators. You will be told their answer.");
        ctx.announce("Appeal sent.");
      });
    } else if (kind === "history") {
      const box = h("div", { class: "history", role: "region", "aria-label": "Earlier versions" }, h("p", { class: "muted" }, "Loading…"));
      node.panel.append(box);
      get(`/posts/${p.id}/revisions`, { signal: ctx.signal }).then(({ revisions }) => {
        clear(box, h("h3", {}, "Earlier versions"));
        if (revisions.length === 0) box.append(h("p", { class: "muted" }, "No earlier version."));
        const list = h("ol", { class: "revisions" });
        for (const r of [...revisions].reverse()) {
          list.append(h("li", {}, h("p", { class: "muted small" }, timeEl(r.created_at)),
            trustedHtml(h("div", { class: "prose" }), r.html)));
        }
        box.append(list, h("button", { type: "button", onclick: () => { closePanel(node); node.article.focus(); } }, "Close history"));
      }, (err) => {
        if (err.name !== "AbortError") clear(box, h("p", { class: "form-error", role: "alert" }, err.message));
      });
      return;
    }
    node.panel.append(form);
    const first = form.querySelector("textarea, input, button[type=submit]");
    if (first) first.focus();
  }

  async function restore(node) {
    try {
      const { post: updated } = await post(`/posts/${node.post.id}/restore`, {});
      node.post = { ...node.post, ...updated };
      drawPost(node);
      ctx.announce("Post restored.");
    } catch (err) {
      showPanelMessage(node, err.message, true);
    }
  }

  function replyForm(node, { label }) {
    let cid = clientId();
    const textarea = field({ label, name: "body", type: "textarea", required: true, maxlength: 20000,
      rows: node ? 3 : 5, hint: node ? null : "Markdown works: **bold**, _italic_, [links](https://example.org), lists." });
    const form = h("form", { class: node ? "inline-form" : "card form" }, formError(), textarea,
      h("div", { class: "actions" },
        h("button", { type: "submit", class: "primary" }, node ? "Post reply" : "Post"),
        node ? h("button", { type: "button", onclick: () => { closePanel(node); node.article.focus(); } }, "Cancel") : null));
    const area = form.querySelector("textarea");
    area.addEventListener("input", () => live.typing(channel));
    if (node) {
      area.addEventListener("keydown", (e) => {
        if (e.key === "Escape") {
          closePanel(node);
          node.article.focus();
        }
      });
    }
    onSubmit(form, async (data) => {
      const body = { body: data.body, client_id: cid };
      if (node) body.parent_id = node.post.id;
      const { post: created } = await post(`/topics/${topicId}/posts`, body);
      cid = clientId();
      form.reset();
      if (node) closePanel(node);
      const mine = addPost(created, { mine: true });
      ctx.announce("Your post was published.");
      if (mine) mine.article.focus({ preventScroll: false });
    });
    return form;
  }

  // ---- placing posts ---------------------------------------------------------

  function containerFor(p) {
    if (p.parent_id && nodes.has(p.parent_id)) return nodes.get(p.parent_id).replies;
    return rootList;
  }

  function insertNode(p) {
    const node = makeNode(p);
    nodes.set(p.id, node);
    containerFor(p).append(node.li);
    // Parents' reply counts changed.
    for (let a = p.parent_id && nodes.get(p.parent_id); a; a = a.post.parent_id && nodes.get(a.post.parent_id)) {
      drawActions(a);
    }
    return node;
  }

  /** The first post whose top is on screen: what the reader is reading. */
  function readingAnchor() {
    for (const node of nodes.values()) {
      if (node.li.closest("[hidden]")) continue;
      const r = node.article.getBoundingClientRect();
      if (r.bottom > 0 && r.height > 0) return { el: node.article, top: r.top };
    }
    return null;
  }

  /** Applies a change without moving what is on screen. */
  function keepPlace(change) {
    const anchor = readingAnchor();
    const result = change();
    if (anchor) {
      const delta = anchor.el.getBoundingClientRect().top - anchor.top;
      if (Math.abs(delta) >= 1) window.scrollBy(0, delta);
    }
    return result;
  }

  function hiddenByCollapse(node) {
    return Boolean(node.li.parentElement && node.li.parentElement.closest("[hidden]"));
  }

  function onScreen(el) {
    const r = el.getBoundingClientRect();
    return r.bottom > 0 && r.top < window.innerHeight && r.height > 0;
  }

  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      const id = Number(entry.target.dataset.postId);
      observer.unobserve(entry.target);
      markSeen(id);
    }
  }, { threshold: 0.4 });
  ctx.cleanup(() => observer.disconnect());

  function markSeen(id) {
    const node = nodes.get(id);
    unseen.delete(id);
    drawMarker();
    if (!node) return;
    node.article.classList.add("seen");
    setTimeout(() => node.article.classList.remove("is-new", "seen"), 6000);
  }

  function drawMarker() {
    const ids = [...unseen].filter((id) => nodes.has(id));
    if (ids.length === 0) {
      marker.hidden = true;
      return;
    }
    const first = firstUnseen();
    const above = first && first.article.getBoundingClientRect().bottom < 0;
    marker.textContent = `${ids.length} new ${ids.length === 1 ? "reply" : "replies"} ${above ? "↑" : "↓"}`;
    marker.hidden = false;
  }

  function firstUnseen() {
    for (const li of rootList.querySelectorAll("li.post-node")) {
      const id = Number(li.id.slice(5));
      if (unseen.has(id)) return nodes.get(id);
    }
    return null;
  }

  marker.addEventListener("click", () => {
    const node = firstUnseen();
    if (!node) return;
    for (let a = node.post.parent_id && nodes.get(node.post.parent_id); a; a = a.post.parent_id && nodes.get(a.post.parent_id)) {
      if (a.collapsed) setCollapsed(a, false);
    }
    node.article.scrollIntoView({ block: "center", behavior: "smooth" });
    node.article.focus({ preventScroll: true });
    markSeen(node.post.id);
  });
  const onScroll = () => {
    if (!marker.hidden) drawMarker();
  };
  window.addEventListener("scroll", onScroll, { passive: true });
  ctx.cleanup(() => window.removeEventListener("scroll", onScroll));

  let announceTimer = null;
  let announceQueue = [];
  function announceNew(p) {
    announceQueue.push(p);
    clearTimeout(announceTimer);
    announceTimer = setTimeout(() => {
      const batch = announceQueue;
      announceQueue = [];
      if (batch.length === 1) {
        const q = batch[0];
        const parent = q.parent_id && nodes.get(q.parent_id);
        ctx.announce(parent
          ? `New reply from ${q.author.display_name} to ${parent.post.author.display_name}.`
          : `New post from ${q.author.display_name}.`);
      } else if (batch.length > 1) {
        ctx.announce(`${batch.length} new posts in this topic.`);
      }
    }, 800);
  }
  ctx.cleanup(() => clearTimeout(announceTimer));

  /** A post from the server: updates the one we have, or places a new one. */
  function addPost(p, { mine = false, fresh = false, fromEvent = false } = {}) {
    const existing = nodes.get(p.id);
    if (existing) {
      updatePost(existing, p, { fromEvent });
      return existing;
    }
    const node = fresh ? keepPlace(() => insertNode(p)) : insertNode(p);
    // Our own post may come back on the socket before the POST answers.
    if (me && p.author.id === me.id && fresh) mine = true;
    if (fresh || mine) {
      node.article.classList.add("is-new");
      node.article.dataset.postId = String(p.id);
      if (mine) {
        setTimeout(() => node.article.classList.remove("is-new"), 6000);
      } else {
        if (hiddenByCollapse(node) || !onScreen(node.article)) {
          unseen.add(p.id);
          drawMarker();
        }
        observer.observe(node.article);
        announceNew(p);
      }
    }
    return node;
  }

  /** `fromEvent`: the post as an event carries it, which is what an anonymous
   * reader sees (no reactions of ours, no hidden content); keep what we know. */
  function updatePost(node, incoming, { fromEvent = false } = {}) {
    const merged = { ...node.post, ...incoming };
    if (fromEvent) {
      merged.reactions = node.post.reactions;
      merged.my_reactions = node.post.my_reactions;
      if (incoming.hidden && !incoming.html && !incoming.deleted && node.post.html && privileged(node.post)) {
        merged.body = node.post.body;
        merged.html = node.post.html;
        merged.hidden_reason = incoming.hidden_reason ?? node.post.hidden_reason;
      }
    }
    const changed = JSON.stringify(merged) !== JSON.stringify(node.post);
    node.post = merged;
    if (changed) keepPlace(() => drawPost(node));
  }

  // ---- live ------------------------------------------------------------------

  function onEvent(msg) {
    if (!loaded) {
      pending.push(msg);
      return;
    }
    if (polls.onEvent(msg)) return;
    const data = msg.data || {};
    const p = data.post || data;
    switch (msg.name) {
      case "post.created":
        addPost(p, { fresh: true, fromEvent: true });
        break;
      case "post.edited":
      case "post.deleted":
      case "post.hidden":
      case "post.restored": {
        const node = nodes.get(p.id);
        if (node) {
          updatePost(node, msg.name === "post.deleted" ? { ...p, deleted: true } : p, { fromEvent: true });
          if (msg.name === "post.hidden" && !privileged(node.post)) closePanel(node);
        } else if (msg.name !== "post.deleted") {
          addPost(p, { fresh: true, fromEvent: true });
        }
        break;
      }
      case "topic.renamed":
      case "topic.pinned":
      case "topic.unpinned":
      case "topic.locked":
      case "topic.unlocked":
      case "topic.archived":
      case "topic.unarchived":
      case "topic.moved":
        if (data.id === topic.id) {
          const { from_space_id: _from, to_space_id: _to, ...fresh } = data;
          topic = { ...topic, ...fresh };
          if (msg.name === "topic.moved") followMove();
          else drawHead();
          polls.reload(); // a locked or archived topic takes no votes
        }
        break;
      case "reaction.changed": {
        const node = nodes.get(data.post_id);
        if (node) {
          node.post.reactions = { ...node.post.reactions, [data.kind]: data.count };
          drawReactions(node);
        }
        break;
      }
      default:
        break;
    }
  }

  async function refresh({ asNew }) {
    const posts = await all(`/topics/${topicId}/posts`, "posts", { signal: ctx.signal });
    for (const p of posts) addPost(p, { fresh: asNew && !nodes.has(p.id) });
    await polls.load();
  }

  function showPresence(msg) {
    const users = msg.users || [];
    const typing = (msg.typing || []).filter((u) => !me || u.id !== me.id);
    clear(presence);
    const guests = Number(msg.anonymous) || 0;
    if (users.length || guests) {
      const names = users.map((u) => (me && u.id === me.id ? "you" : u.display_name));
      const shown = names.slice(0, 5);
      const more = names.length - shown.length;
      if (more > 0) shown.push(`${more} more`);
      if (guests) shown.push(`${guests} ${guests === 1 ? "guest" : "guests"}`);
      presence.append(h("span", { class: "here-dot", "aria-hidden": "true" }), `Here now: ${shown.join(", ")}`);
    }
    clear(typingLine);
    const sep = users.length ? " · " : "";
    if (typing.length === 1) typingLine.append(`${sep}${typing[0].display_name} is typing…`);
    else if (typing.length > 1) typingLine.append(`${sep}${typing.map((u) => u.display_name).slice(0, 3).join(", ")} are typing…`);
  }

  liveHandlers.event = onEvent;
  liveHandlers.presence = showPresence;
  liveHandlers.reset = () => refresh({ asNew: true }).catch(() => {});

  // ---- first load ------------------------------------------------------------

  liveHandlers.refresh = () => refresh({ asNew: true }).catch(() => {});
  drawHead();
  await subscribed;
  phase = "loading";
  let posts;
  try {
    posts = await all(`/topics/${topicId}/posts`, "posts", { signal: ctx.signal });
  } catch (err) {
    if (err instanceof ApiError && err.status !== 404) {
      rootList.append(h("li", { class: "form-error", role: "alert" }, `Could not load the posts: ${err.message}`));
      posts = [];
    } else {
      throw err;
    }
  }
  for (const p of posts) addPost(p);
  await polls.load();
  loaded = true;
  phase = "loaded";
  for (const msg of pending.splice(0)) onEvent(msg);
  if (refreshAfterLoad) liveHandlers.refresh();
  if (posts.length === 0) rootList.append(h("li", { class: "muted" }, "No post yet."));
}
