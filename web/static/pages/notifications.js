// /notifications: what the signed-in person was told, newest first, a page at a
// time; each names the person, the topic and the space in words; mark one read (or
// open it), or all. Live: a new notification reads the first page again (names are
// read with the list, never carried by events); one read in another tab is marked
// read here too.

import { get, post } from "../api.js";
import { statusWords } from "../accountability.js";
import { clear, h, humanize, notice, timeEl } from "../dom.js";
import { live } from "../live.js";
import { requireUser, tierName } from "../widgets.js";
import { t } from "../i18n.js";

const PAGE = 20;

const quoted = (title) => (title ? `“${title}”` : "a topic you can no longer see");

/** The notification in words: [sentence, link or null]. */
export function describe(n) {
  const who = n.actor ? n.actor.display_name : t("notif.someone");
  const topic = quoted(n.topic_title);
  const d = n.data || {};
  const many = n.count > 1;
  const postLink = n.topic_id
    ? (n.post_id ? `/topics/${n.topic_id}#post-${n.post_id}` : `/topics/${n.topic_id}`)
    : null;
  switch (n.kind) {
    case "reply":
      return [many ? t("notif.reply.many", { count: n.count, topic, who }) : t("notif.reply", { topic, who }), postLink];
    case "mention":
      return [many ? t("notif.mention.many", { count: n.count, topic, who }) : t("notif.mention", { topic, who }), postLink];
    case "watched_post":
      return [many ? t("notif.watched.many", { count: n.count, topic, who }) : t("notif.watched", { topic, who }), postLink];
    case "question_status":
      return [t(n.actor ? "notif.question.by" : "notif.question", { topic, status: statusWords(d.status), who }),
        n.topic_id ? `/topics/${n.topic_id}` : null];
    case "flag_outcome":
      return [t(d.outcome === "hidden" ? "notif.flag.hidden" : "notif.flag.kept", { topic, count: many ? n.count : 1 }), postLink];
    case "appeal_answer":
      return [[t(d.decision === "overturn" ? "notif.appeal.overturned" : "notif.appeal.upheld", { who }),
        d.reason ? t("notice.quoted", { reason: d.reason }) : ""].filter(Boolean).join(" "),
        postLink || (n.space_id ? `/spaces/${n.space_id}` : null)];
    case "moderation": {
      const act = {
        "post.hidden": "notif.mod.hidden", "post.restored": "notif.mod.restored",
        "post.approved": "notif.mod.approved", "post.rejected": "notif.mod.rejected",
      }[d.action] || "notif.mod.other";
      const text = t(act, { topic, action: humanize(String(d.action || "").replace(/\./g, " ")) });
      return [[text, d.reason ? t("notice.quoted", { reason: d.reason }) : ""].filter(Boolean).join(" "), postLink];
    }
    case "tier_decision": {
      const org = d.org_name || t("notif.yourOrganization");
      const tier = tierName(d.to_tier || "");
      const key = { changed: "notice.tierChanged", approved: "notice.upgradeApproved" }[d.decision] || "notice.upgradeDeclined";
      return [[t(key, { org, tier }), d.reason ? t("notice.quoted", { reason: d.reason }) : ""].filter(Boolean).join(" "),
        d.org_id ? `/orgs/${d.org_id}` : null];
    }
    default:
      return [humanize(n.kind), postLink];
  }
}

// All or unread only: the two views of the page, the current one marked.
function filterNav(unreadOnly) {
  return h("nav", { class: "subnav", "aria-label": t("notif.whichNotifications") }, h("ul", {},
    h("li", {}, h("a", { href: "/notifications", "aria-current": unreadOnly ? null : "page" }, t("notif.all"))),
    h("li", {}, h("a", { href: "/notifications?unread=true", "aria-current": unreadOnly ? "page" : null }, t("notif.unread")))));
}

// The person's channel: a new notification reloads the first page (one reload at a
// time, in order), a read one (in any tab) is marked here; a resumed connection that
// missed events reloads. Answers the unsubscribe.
function followLive(user, reload, applyRead) {
  let reading = Promise.resolve();
  const again = () => { reading = reading.then(reload).catch(() => {}); };
  return live.subscribe(`user:${user.id}`, {
    event: (msg) => {
      if (msg.name === "notification.created") again();
      else if (msg.name === "notification.read") {
        applyRead(msg.data.all ? null : msg.data.ids, msg.data.unread_count);
      }
    },
    reset: again,
  });
}

// A button disabled while it works drops the keyboard's focus to the page's body:
// the focus goes on from a notification (its link, else the item itself), the one
// whose "Mark as read" was pressed, redrawn, or the first older one shown.
const hadFocus = (el) => Boolean(el.dataset.keepFocus) || el.contains(document.activeElement);
function focusIn(el) {
  const link = el.querySelector("a");
  if (link) link.focus();
  else { el.tabIndex = -1; el.focus(); }
}

export default async function notificationsPage(ctx) {
  if (!requireUser(ctx, t("toasts.label"))) return;
  ctx.title(t("toasts.label"));
  const unreadOnly = ctx.query.get("unread") === "true";
  const list = h("ol", { class: "notification-list", "aria-labelledby": "notifications-h" });
  const status = h("p", { class: "muted", role: "status" });
  const more = h("button", { type: "button", hidden: true }, t("notif.showOlderNotifications"));
  const markAll = h("button", { type: "button" }, t("notif.markAllAsRead"));
  const byId = new Map();
  let cursor = null;

  async function markRead(ids) {
    const body = ids ? { ids } : { all: true };
    const { unread_count: left } = await post("/notifications/read", body);
    applyRead(ids, left);
  }

  function applyRead(ids, left) {
    for (const [id, entry] of byId) {
      if (ids && !ids.includes(id)) continue;
      entry.n.read_at = entry.n.read_at || new Date().toISOString();
      const had = hadFocus(entry.el);
      entry.el.replaceWith(entry.el = item(entry.n));
      if (had) focusIn(entry.el);
    }
    say(left);
  }

  function say(left) {
    status.textContent = left === 0 ? t("notif.everythingIsRead")
      : t("bell.youHaveCount", { count: left });
    markAll.disabled = left === 0;
  }

  function item(n) {
    const [text, href] = describe(n);
    const unread = !n.read_at;
    const open = href ? h("a", { href, onclick: () => { if (unread) markRead([n.id]).catch(() => {}); } }, text) : text;
    const where = n.space_name ? ` · ${t("notif.inSpace", { space: n.space_name })}` : "";
    const read = unread ? h("button", { type: "button", class: "linklike", onclick: async (event) => {
      event.currentTarget.closest("li").dataset.keepFocus = "true";
      event.currentTarget.disabled = true;
      try {
        await markRead([n.id]);
        ctx.announce(t("notif.markedAsRead"));
      } catch (err) {
        ctx.announce(t("notif.markFailed", { message: err.message }));
      }
    } }, t("notif.markAsRead"), h("span", { class: "visually-hidden" }, `: ${text}`)) : null;
    return h("li", { class: ["notification", unread && "is-unread"], id: `notification-${n.id}` },
      h("p", {}, open),
      h("p", { class: "meta" }, timeEl(n.updated_at), where, unread ? t("notif.unread2") : ""),
      read ? h("div", { class: "actions" }, read) : null);
  }

  function put(n, { first = false } = {}) {
    const old = byId.get(n.id);
    const el = item(n);
    if (old) {
      const had = hadFocus(old.el);
      old.el.replaceWith(el);
      if (first) list.prepend(el);
      if (had) focusIn(el);
    } else if (first) {
      list.prepend(el);
    } else {
      list.append(el);
    }
    byId.set(n.id, { n, el });
  }

  async function load({ fresh = false } = {}) {
    const query = new URLSearchParams({ limit: String(PAGE) });
    if (unreadOnly) query.set("unread", "true");
    if (!fresh && cursor) query.set("cursor", cursor);
    const page = await get(`/notifications?${query}`, { signal: ctx.signal });
    if (fresh) {
      for (const n of [...page.notifications].reverse()) put(n, { first: true });
    } else {
      for (const n of page.notifications) put(n);
      cursor = page.next_cursor;
      more.hidden = !cursor;
    }
    say(page.unread_count);
    if (byId.size === 0) {
      clear(list);
      list.append(h("li", { class: "muted" }, unreadOnly ? t("notif.nothingUnread") : t("notif.noNotificationsYet")));
    } else {
      for (const empty of list.querySelectorAll("li.muted")) empty.remove();
    }
  }

  more.addEventListener("click", async () => {
    const before = list.children.length;
    more.disabled = true;
    try {
      await load();
    } finally {
      more.disabled = false;
    }
    if (list.children[before]) focusIn(list.children[before]); // the first older one
  });
  markAll.addEventListener("click", async () => {
    markAll.disabled = true;
    try {
      await markRead(null);
      ctx.announce(t("notif.allNotificationsAreMarked"));
    } catch (err) {
      markAll.disabled = false;
      ctx.announce(t("notif.markFailed", { message: err.message }));
    }
  });

  ctx.main.append(
    h("h1", { id: "notifications-h" }, t("toasts.label")),
    filterNav(unreadOnly),
    h("div", { class: "actions" }, markAll, h("a", { href: "/profile#notification-prefs-h" }, t("notif.whatYouAreTold"))),
    status,
    list,
    h("p", {}, more),
  );
  ctx.cleanup(followLive(ctx.user, () => load({ fresh: true }), applyRead));
  try {
    await load();
  } catch (err) {
    if (err && err.name === "AbortError") throw err;
    ctx.main.append(notice(t("notif.loadFailed", { message: err.message }), "error"));
  }
}
