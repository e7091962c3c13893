// The bell in the header: how many unread notifications the signed-in person has,
// the same number in every open tab and device. The count is read over HTTP once,
// then taken from each `notification.created` / `notification.read` event on the
// person's own channel (user:{id}), which every tab of theirs hears; a `reset`
// (too far behind to replay) reads it again. The bell is a link to /notifications
// whose accessible name says the count; a change is said in the polite live region.

import { get } from "./api.js";
import { h } from "./dom.js";
import { live } from "./live.js";
import { t } from "./i18n.js";

// The link's name says the count ("Notifications 3 unread") and holds the words seen
// ("Notifications", "3"); on a phone only the icon and the count are seen.
function bellIcon() {
  const NS = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(NS, "svg");
  for (const [k, v] of Object.entries({ viewBox: "0 0 24 24", width: "20", height: "20",
    "aria-hidden": "true", focusable: "false", class: "bell-icon" })) svg.setAttribute(k, v);
  const path = document.createElementNS(NS, "path");
  path.setAttribute("fill", "currentColor");
  path.setAttribute("d", "M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z");
  svg.append(path);
  return svg;
}

const countEl = h("span", { class: "bell-count", hidden: true }, "");
const link = h("a", { href: "/notifications", class: "bell", "aria-label": t("toasts.label") },
  bellIcon(),
  h("span", { class: "bell-word" }, t("toasts.label")), " ",
  countEl);

let unread = null;
let version = 0; // events applied: a read over HTTP that an event overtook is dropped
let stop = null;
let userId = null;

/** The header's bell (the same element on every render of the header): beside the
 * main menu, so that on a phone it stays in sight when the menu is folded. */
export function bellLink() {
  return link;
}

/** The unread count as this tab knows it (null before the first read). */
export function unreadCount() {
  return unread;
}

function shown(n) {
  return n > 99 ? "99+" : String(n);
}

function words(n) {
  return n === 0 ? t("acct.notificationsNoneUnread") : t("bell.unread", { n: shown(n) });
}

function say(text) {
  const region = document.getElementById("announcer");
  if (!region) return;
  const line = h("p", {}, text);
  region.append(line);
  setTimeout(() => line.remove(), 10_000);
}

function show(n, { announce = false } = {}) {
  const changed = n !== unread;
  unread = n;
  link.setAttribute("aria-label", words(n));
  countEl.textContent = shown(n);
  countEl.hidden = n === 0;
  link.dataset.unread = String(n);
  if (changed) {
    document.dispatchEvent(new CustomEvent("cps:unread", { detail: { unread: n } }));
    if (announce) say(t("bell.youHave", { count: n }));
  }
}

async function refresh() {
  const seen = version;
  try {
    const body = await get("/notifications?limit=1");
    if (seen === version) show(body.unread_count);
  } catch (err) {
    if (err && err.status === 401) return; // signed out meanwhile
    console.warn("unread count", err);
  }
}

/** Follow the signed-in person's notifications (null: nobody is signed in). */
export function startBell(user) {
  if (user && user.id === userId && stop) return;
  if (stop) stop();
  stop = null;
  userId = user ? user.id : null;
  unread = null;
  if (!user) return;
  stop = live.subscribe(`user:${user.id}`, {
    event: (msg) => {
      if (msg.name !== "notification.created" && msg.name !== "notification.read") return;
      version += 1;
      show(msg.data.unread_count, { announce: msg.name === "notification.created" });
    },
    reset: () => refresh(),
  });
  refresh();
}
