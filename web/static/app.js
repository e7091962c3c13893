// The single-page shell: client-side routing by location.pathname (links stay
// real hrefs), the header (who is signed in, the live connection state) and
// the live region that announces what changes.

import { statusWords } from "./accountability.js";
import { clear, h, urlOf } from "./dom.js";
import { formatDateTime, has, t, translateStatic } from "./i18n.js";
import { followAccount, languageMenu } from "./language-menu.js";
import { bellLink, startBell } from "./bell.js";
import { live } from "./live.js";
import { closeMenu, foldFor, setUpMenu } from "./nav-menu.js";
import { tierName } from "./widgets.js";
import { loadSession, onSessionChange, session, signOut } from "./session.js";

// Each page's module (and what only it uses) is fetched when a route first needs it:
// a phone opening a thread loads the thread's code, not the dashboards'. A fetch that
// failed says so in the reader's words and is tried again the next time (the error
// page's "Try again"); the browser keeps each module that arrived. `preload` starts
// the fetch early (a link the reader is about to follow: see `preloadFor`).
const lazy = (load, name = "default") => {
  const page = async (ctx) => {
    let module;
    try {
      module = await load();
    } catch (err) {
      throw new Error(t("api.unreachable"), { cause: err });
    }
    return module[name](ctx);
  };
  // One early fetch at a time (the pointer passes over a link's parts); a failure is
  // told if the page is drawn, and the next preload tries again.
  let pending = null;
  page.preload = () => {
    pending ??= load().catch(() => { pending = null; });
  };
  return page;
};
const adminPage = lazy(() => import("./pages/admin.js"));
const analyticsPage = lazy(() => import("./pages/analytics.js"));
const loginPage = lazy(() => import("./pages/auth.js"), "loginPage");
const signupPage = lazy(() => import("./pages/auth.js"), "signupPage");
const resetPasswordPage = lazy(() => import("./pages/email.js"), "resetPasswordPage");
const unsubscribePage = lazy(() => import("./pages/email.js"), "unsubscribePage");
const verifyEmailPage = lazy(() => import("./pages/email.js"), "verifyEmailPage");
const homePage = lazy(() => import("./pages/home.js"));
const moderationPage = lazy(() => import("./pages/moderation.js"));
const notificationsPage = lazy(() => import("./pages/notifications.js"));
const orgPage = lazy(() => import("./pages/org.js"));
const personPage = lazy(() => import("./pages/person.js"));
const plansPage = lazy(() => import("./pages/plans.js"));
const profilePage = lazy(() => import("./pages/profile.js"));
const responsivenessPage = lazy(() => import("./pages/responsiveness.js"));
const searchPage = lazy(() => import("./pages/search.js"));
const spacePage = lazy(() => import("./pages/space.js"));
const topicPage = lazy(() => import("./pages/topic.js"));

// A page's other views: ?view=analytics (an organization's dashboard) and
// ?view=responsiveness (how fast an organization, or a space, answers).
const views = (pages, otherwise) => {
  const pick = (query) => {
    const view = query.get("view");
    return view && Object.hasOwn(pages, view) ? pages[view] : otherwise;
  };
  const page = (ctx) => pick(ctx.query)(ctx);
  page.preload = (query) => pick(query).preload(query);
  return page;
};

const ROUTES = [
  [/^\/$/, homePage],
  [/^\/orgs\/(\d+)$/, views({ analytics: analyticsPage, responsiveness: responsivenessPage }, orgPage)],
  [/^\/spaces\/(\d+)$/, views({ responsiveness: responsivenessPage }, spacePage)],
  [/^\/responsiveness$/, responsivenessPage],
  [/^\/search$/, searchPage],
  [/^\/topics\/(\d+)$/, topicPage],
  [/^\/login$/, loginPage],
  [/^\/signup$/, signupPage],
  [/^\/reset-password$/, resetPasswordPage],
  [/^\/verify-email$/, verifyEmailPage],
  [/^\/unsubscribe$/, unsubscribePage],
  [/^\/profile$/, profilePage],
  [/^\/u\/([^/]+)$/, personPage],
  [/^\/notifications$/, notificationsPage],
  [/^\/moderation$/, moderationPage],
  [/^\/admin$/, adminPage],
  [/^\/plans$/, plansPage],
];

const SITE = "CPS";
const main = document.getElementById("main");
let current = null; // {controller, cleanups, at: the path and query it drew}
let firstRender = true;

// ---- announcements -------------------------------------------------------

export function announce(text) {
  const region = document.getElementById("announcer");
  if (!region) return;
  const line = h("p", {}, text);
  region.append(line);
  setTimeout(() => line.remove(), 10_000);
}

// ---- navigation ----------------------------------------------------------

export function navigate(url, { replace = false } = {}) {
  const target = new URL(url, location.href);
  if (replace) history.replaceState(null, "", target);
  else history.pushState(null, "", target);
  render({ focus: true });
}

function routeFor(pathname) {
  for (const [pattern, page] of ROUTES) {
    const m = pathname.match(pattern);
    // Ids as numbers; other parts (a handle: /u/{handle}) as written.
    if (m) return { page, params: m.slice(1).map((p) => (/^\d+$/.test(p) ? Number(p) : p)) };
  }
  return null;
}

// The address of this site's page that the link `a` leads to, or null: another site, a
// new tab, a download, an address no browser can read.
function internalUrl(a) {
  if (!a || a.target || a.hasAttribute("download")) return null;
  const url = urlOf(a.href);
  const internal = url !== null && url.origin === location.origin && routeFor(url.pathname);
  return internal ? url : null;
}

document.addEventListener("click", (event) => {
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const url = internalUrl(event.target.closest("a[href]"));
  if (url === null) return;
  if (url.pathname === location.pathname && url.search === location.search && url.hash) {
    return; // an anchor on this page: the browser scrolls to it
  }
  event.preventDefault();
  navigate(url.href);
});

// A link the pointer comes onto, a finger touches or the keyboard reaches is likely the
// next page: its module starts arriving before the click (a thread's code is some 25
// files, a wait on a slow connection).
function preloadFor(event) {
  const url = internalUrl(event.target.closest?.("a[href]"));
  if (url !== null) routeFor(url.pathname).page.preload(url.searchParams);
}
for (const type of ["pointerover", "touchstart", "focusin"]) {
  document.addEventListener(type, preloadFor, { passive: true });
}

// Back and forward draw the page they land on; a link to an anchor of this page (the
// skip link, #post-12) also fires popstate, and the browser alone scrolls to it.
window.addEventListener("popstate", () => {
  if (current && current.at === location.pathname + location.search) return;
  render({ focus: true });
});

// `what`: the catalogue's word for what is missing ("topic" → notFound.topic);
// any other value reads as "page".
function notFound(ctx, what = "page") {
  ctx.title(t("notFound.title"));
  const key = `notFound.${what}`;
  ctx.main.append(
    h("h1", { tabindex: "-1" }, t("notFound.title")),
    h("p", {}, t(has(key) ? key : "notFound.page")),
    h("p", {}, h("a", { href: "/" }, t("notFound.home"))),
  );
}

async function render({ focus = false } = {}) {
  if (current) {
    current.controller.abort();
    for (const fn of current.cleanups) {
      try {
        fn();
      } catch (err) {
        console.warn("cleanup failed", err);
      }
    }
  }
  const controller = new AbortController();
  const state = { controller, cleanups: [], at: location.pathname + location.search };
  current = state;
  renderNav();
  clear(main);
  main.setAttribute("aria-busy", "true");
  const ctx = {
    main,
    signal: controller.signal,
    query: new URLSearchParams(location.search),
    hash: location.hash,
    get user() {
      return session.user;
    },
    cleanup(fn) {
      state.cleanups.push(fn);
    },
    title(text) {
      document.title = text ? `${text} · ${SITE}` : t("site.title");
    },
    navigate,
    announce,
    notFound: (what) => notFound(ctx, what),
    isCurrent: () => current === state,
  };
  const route = routeFor(location.pathname);
  try {
    if (!route) notFound(ctx);
    else await route.page({ ...ctx, params: route.params, notFound: ctx.notFound });
  } catch (err) {
    if (err && err.name === "AbortError") return;
    if (current !== state) return;
    clear(main);
    if (err && err.status === 404) {
      notFound(ctx);
    } else {
      ctx.title(t("error.title"));
      main.append(
        h("h1", { tabindex: "-1" }, t("error.heading")),
        h("p", { class: "notice notice-error", role: "alert" }, (err && err.message) || String(err)),
        h("p", {}, h("button", { type: "button", onclick: () => render() }, t("error.retry"))),
      );
    }
  } finally {
    if (current === state) main.removeAttribute("aria-busy");
  }
  if (current !== state) return;
  if (location.hash) {
    const target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (target) {
      target.scrollIntoView({ block: "center" });
      target.classList.add("is-target");
    }
  } else if (!firstRender) {
    window.scrollTo(0, 0);
  }
  if (focus && !firstRender) {
    const heading = main.querySelector("h1");
    if (heading) {
      if (!heading.hasAttribute("tabindex")) heading.setAttribute("tabindex", "-1");
      heading.focus({ preventScroll: Boolean(location.hash) });
    } else {
      main.focus({ preventScroll: true });
    }
  }
  firstRender = false;
}

// ---- header --------------------------------------------------------------

function renderNav() {
  const nav = document.getElementById("nav");
  if (!nav) return;
  const user = session.user;
  const link = (href, text) => h("li", {}, h("a", { href }, text));
  const items = [link("/", t("nav.home"))];
  closeMenu();
  foldFor(user);
  const bell = document.getElementById("bell-slot");
  if (bell) clear(bell, ...(user ? [bellLink()] : []));
  if (user) {
    // Only to people who moderate something (`moderates` from GET /me).
    if (user.moderates) items.push(link("/moderation", t("nav.moderation")));
    if (user.is_platform_admin) items.push(link("/admin", t("nav.admin")));
    // A long name is cut short on screen (its link keeps it whole): the header stays one line.
    items.push(h("li", {}, h("a", { href: "/profile", class: "nav-me", dir: "auto" }, user.display_name)));
    items.push(h("li", {}, h("button", {
      type: "button",
      class: "linklike",
      onclick: async (event) => {
        event.currentTarget.disabled = true;
        try {
          await signOut();
          announce(t("nav.signedOut"));
          navigate("/");
        } catch (err) {
          event.currentTarget.disabled = false;
          announce(t("nav.signOutFailed", { message: err.message }));
        }
      },
    }, t("nav.signOut"))));
  } else {
    const next = encodeURIComponent(location.pathname + location.search);
    const onAuthPage = location.pathname === "/login" || location.pathname === "/signup";
    items.push(link(onAuthPage ? "/login" : `/login?next=${next}`, t("nav.signIn")));
    items.push(link(onAuthPage ? "/signup" : `/signup?next=${next}`, t("nav.signUp")));
  }
  clear(nav, ...items);
  // The bell is the same element on every page: its mark is taken off as well as put on.
  for (const a of [...nav.querySelectorAll("a"), ...(user ? [bellLink()] : [])]) {
    const url = new URL(a.href);
    if (url.pathname === location.pathname) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
}

// The state words sit in a live region that exists from the start; the
// per-second countdown is kept out of it so screen readers hear each change
// of state once, not a tick every second.
let connParts = null;
function renderConnection(state, retryAt) {
  const el = document.getElementById("conn");
  if (!el) return;
  if (!connParts) {
    connParts = {
      text: h("span", { class: "conn-text", role: "status" }),
      countdown: h("span", { class: "conn-countdown", "aria-hidden": "true" }),
      retry: h("button", { type: "button", class: "linklike", onclick: () => live.reconnectNow() }, t("conn.retryNow")),
    };
    el.removeAttribute("role");
    clear(el, h("span", { class: "conn-dot", "aria-hidden": "true" }), connParts.text, connParts.countdown);
  }
  clearInterval(connParts.timer);
  el.hidden = state === "idle";
  el.dataset.state = state;
  const label = ["connecting", "live", "offline", "reconnecting"].includes(state)
    ? t(`conn.${state}`) : "";
  if (connParts.text.textContent !== label) connParts.text.textContent = label;
  connParts.countdown.textContent = "";
  if (state === "reconnecting") el.append(connParts.retry);
  else connParts.retry.remove();
  if (state === "reconnecting" && retryAt) {
    const tick = () => {
      const s = Math.max(0, Math.ceil((retryAt - Date.now()) / 1000));
      connParts.countdown.textContent = s > 0 ? t("conn.retryingIn", { count: s }) : t("conn.reconnectingNow");
    };
    tick();
    connParts.timer = setInterval(tick, 1000);
  }
}

// ---- notifications (the user:{id} channel) --------------------------------

// A moderation notice in words (with the reason, or the end of a mute or ban,
// when the event has one).
const reasonText = (d) => (d.reason ? t("notice.reason", { reason: d.reason }) : "");
const NOTICE_TEXT = {
  "post.hidden": (d) => [t(d.reason ? "notice.postHidden.reason" : "notice.postHidden", { reason: d.reason }), t("notice.canAppeal")],
  "post.restored": () => [t("notice.postRestored")],
  "post.approved": () => [t("notice.postApproved")],
  "post.rejected": (d) => [t(d.reason ? "notice.postRejected.reason" : "notice.postRejected", { reason: d.reason })],
  "user.muted": (d) => [until(d.expires_at, "notice.userMuted", "notice.userMuted.until"), reasonText(d)],
  "user.banned": (d) => [until(d.expires_at, "notice.userBanned", "notice.userBanned.until"), reasonText(d)],
  "user.unmuted": () => [t("notice.userUnmuted")],
  "user.unbanned": () => [t("notice.userUnbanned")],
};

function until(iso, key, keyUntil) {
  return iso ? t(keyUntil, { until: formatDateTime(iso) }) : t(key);
}

function describeUserEvent(msg) {
  const d = msg.data || {};
  switch (msg.name) {
    case "moderation.notice": {
      const make = NOTICE_TEXT[d.action];
      const [text, extra] = make ? make(d) : [t("notice.other", { action: d.action })];
      let href = null;
      if (d.topic_id) href = d.post_id ? `/topics/${d.topic_id}#post-${d.post_id}` : `/topics/${d.topic_id}`;
      else if (d.space_id) href = `/spaces/${d.space_id}`;
      return { text: [text, extra].filter(Boolean).join(" "), href };
    }
    case "flag.resolved":
      return { text: [t(d.outcome === "hidden" ? "notice.flagHidden" : "notice.flagKept"),
        d.reason ? t("notice.quoted", { reason: d.reason }) : ""].filter(Boolean).join(" ") };
    case "appeal.answered":
      return { text: [t(d.decision === "overturn" ? "notice.appealOverturned" : "notice.appealUpheld"),
        d.reason ? t("notice.quoted", { reason: d.reason }) : ""].filter(Boolean).join(" "),
        href: d.space_id ? `/spaces/${d.space_id}` : null };
    case "upgrade_request.decided": {
      const r = d.upgrade_request || {};
      const key = r.status === "approved" ? "notice.upgradeApproved" : "notice.upgradeDeclined";
      return { text: [t(key, { org: r.org_name, tier: tierName(r.tier) }),
        r.reason ? t("notice.quoted", { reason: r.reason }) : ""].filter(Boolean).join(" "), href: `/orgs/${r.org_id}` };
    }
    case "question.status_changed": {
      // On the question's own page, the page says it already.
      if (location.pathname === `/topics/${d.topic_id}`) return null;
      const q = d.question || {};
      return { text: [t("notice.questionStatus", { status: statusWords(q.status) }),
        q.status === "declined" && q.reason ? t("notice.quoted", { reason: q.reason }) : ""].filter(Boolean).join(" "),
        href: `/topics/${d.topic_id}` };
    }
    case "org.tier_changed": {
      const c = d.tier_change || {};
      return { text: t("notice.tierChanged", { org: d.org_name, tier: tierName(c.to_tier) }), href: `/orgs/${d.org_id}` };
    }
    default:
      return null;
  }
}

function toast({ text, href }) {
  const box = document.getElementById("toasts");
  if (!box) return;
  const item = h("li", { class: "toast" },
    h("p", {}, text, href ? [" ", h("a", { href }, t("toast.show"))] : null),
    h("button", { type: "button", class: "linklike", onclick: () => item.remove() }, t("toast.dismiss")));
  box.append(item);
  announce(text);
  setTimeout(() => item.remove(), 30_000);
}

let userFeed = null;
function followUser() {
  if (userFeed) userFeed();
  userFeed = null;
  const user = session.user;
  if (!user) return;
  userFeed = live.subscribe(`user:${user.id}`, {
    event: (msg) => {
      document.dispatchEvent(new CustomEvent("cps:user-event", { detail: msg }));
      if (msg.name === "session.revoked") {
        recheckSession();
        return;
      }
      const shown = describeUserEvent(msg);
      if (shown) toast(shown);
    },
    // The server closes an ended session's socket, sometimes before the event
    // arrives; reconnected without it, this channel is refused.
    error: (msg) => {
      if (msg.code === "forbidden") recheckSession();
    },
  });
}

/** Every session of the person hears of every ended one ("sign out everywhere
 * else" too): ask whether this one is still signed in, and say so if not. */
function recheckSession() {
  const before = session.user;
  loadSession().then(() => {
    if (before && !session.user) renderNav();
  });
}

// ---- start ---------------------------------------------------------------

async function start() {
  translateStatic();
  const slot = document.getElementById("lang-menu");
  if (slot) clear(slot, languageMenu({ announce }));
  setUpMenu();
  await loadSession();
  if (followAccount(session.user)) return;
  renderNav();
  onSessionChange(() => {
    renderNav();
    followUser();
    startBell(session.user);
    live.restart();
  });
  followUser();
  startBell(session.user);
  live.onState(renderConnection);
  await render();
}

start();
