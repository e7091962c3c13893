// The moderation home and console. The home (`/moderation`) is one review
// queue across every space you moderate (GET /moderation/queue: flagged posts,
// held posts and appeals, oldest first, each naming its organization and space,
// narrowed by organization or space, paged), the spaces you moderate with what
// waits in each (GET /moderation/spaces), kept live by each space's
// `moderation:{id}` channel. A space's console (`?space=`) adds its mutes and
// bans, the audit log and the settings. Hiding, pinning, locking and moving
// also happen in place on each topic page. The server says what this moderator
// may do with each item: flagged staff posts come first in a space's console
// (`escalated`, never hidden by flags), and an appeal they may not answer
// (their own, or one of their own decisions) says why instead of offering the
// answer form. Muting and banning name a person, never a number: the dialog of
// ../sanctions.js shows who they are and asks for confirmation.

import { ApiError, del, get, patch, post, serverHas } from "../api.js";
import {
  badge, clear, field, formError, h, notice, onSubmit, own, select, timeEl, trustedHtml, uid,
} from "../dom.js";
import { formatList, t, tx } from "../i18n.js";
import { follow, live } from "../live.js";
import { chosenId, personPicker } from "../people.js";
import { openSanctionDialog, untilWords } from "../sanctions.js";
import {
  actionWords, breadcrumb, orgCrumb, requireUser, roleWords, ruleWords, tierMessage, tierName,
} from "../widgets.js";

const AUDIT_ACTIONS = [
  "post.hide", "post.restore", "flags.dismiss", "post.approve", "post.reject", "user.mute", "user.unmute",
  "user.ban", "user.unban", "appeal.uphold", "appeal.overturn", "topic.move", "topic.renamed", "topic.pinned",
  "topic.unpinned", "topic.locked", "topic.unlocked", "topic.archived", "topic.unarchived", "space.settings",
];
// The home follows at most this many spaces' queues live (a platform admin
// moderates every space); past it, the queue is read again every minute.
const LIVE_SPACES_MAX = 60;

export default async function moderationPage(ctx) {
  if (!requireUser(ctx, t("moderation.title"))) return;
  const spaceId = Number(ctx.query.get("space")) || null;
  if (spaceId) {
    await consolePage(ctx, spaceId);
    return;
  }
  await homePage(ctx);
}

const itemKey = (item) => `${item.kind}-${item.flagged ? item.flagged.post.id : item.pending ? item.pending.id : item.appeal.id}`;

/** Puts `nodes` in `list` in order, moving or removing only what differs. */
function reconcile(list, nodes) {
  const keep = new Set(nodes);
  for (const child of [...list.children]) if (!keep.has(child)) child.remove();
  nodes.forEach((node, i) => {
    if (list.children[i] !== node) list.insertBefore(node, list.children[i] || null);
  });
}

function workWords(w) {
  const parts = [];
  if (w.flagged) parts.push(t("moderation.work.flagged", { count: w.flagged }));
  if (w.pending) parts.push(t("moderation.work.pending", { count: w.pending }));
  if (w.appeals) parts.push(t("moderation.work.appeals", { count: w.appeals }));
  return parts.length ? formatList(parts) : t("moderation.work.nothing");
}

/** The moderation home's list of spaces, each with what waits in it. */
function workItems(work) {
  if (!work.length) return [h("li", { class: "muted" }, t("moderation.work.none"))];
  return work.map((w) => h("li", {},
    h("a", { href: `/moderation?space=${w.space.id}`, dir: "auto" }, w.space.name),
    h("span", { class: "muted small", dir: "auto" }, w.org.name),
    w.space.visibility === "private" ? badge(t("moderation.work.private"), "private") : null,
    h("span", { class: "work-counts small" }, workWords(w)),
    h("a", { href: `/moderation?space_id=${w.space.id}`, class: "small",
      "aria-label": t("moderation.work.onlyQueueLabel", { space: w.space.name, org: w.org.name }) }, t("moderation.work.onlyQueue"))));
}

/** The queue's filters: an organization, a space (named with its organization). */
function filterControls(work, orgFilter, spaceFilter) {
  const orgs = [...new Map(work.map((w) => [w.org.id, w.org.name])).entries()];
  const spaces = work.filter((w) => !orgFilter || w.org.id === orgFilter);
  return [
    select({ label: t("moderation.queue.org"), name: "org_id", value: orgFilter ? String(orgFilter) : "",
      options: [["", t("moderation.queue.allOrgs")], ...orgs.map(([id, name]) => [String(id), name])] }),
    select({ label: t("moderation.queue.space"), name: "space_id", value: spaceFilter ? String(spaceFilter) : "",
      options: [["", t("moderation.queue.allSpaces")], ...spaces.map((w) => [String(w.space.id),
        `${w.space.name} — ${w.org.name} (${workWords(w)})`])] }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("moderation.queue.show"))),
  ];
}

async function homePage(ctx) {
  ctx.title(t("moderation.title"));
  const orgFilter = Number(ctx.query.get("org_id")) || null;
  const spaceFilter = Number(ctx.query.get("space_id")) || null;
  const status = h("p", { class: "muted small", role: "status" });
  const workList = h("ul", { class: "work-list" }, h("li", { class: "muted" }, t("moderation.work.loading")));
  const items = h("ol", { class: "queue" });
  const more = h("button", { type: "button", hidden: true }, t("moderation.queue.more"));
  const queueH = h("h2", { id: "queue-h" }, t("moderation.queue.title"));
  const filters = h("form", { class: "queue-filters", role: "search", "aria-label": t("moderation.queue.filters") });
  ctx.main.append(
    h("h1", {}, t("moderation.title")),
    h("section", { class: "card", "aria-labelledby": "queue-h" }, queueH,
      h("p", { class: "muted small" }, t("moderation.queue.intro")),
      filters, status, items, more),
    h("section", { class: "card", "aria-labelledby": "work-h" },
      h("h2", { id: "work-h" }, t("moderation.work.title")),
      h("p", { class: "muted small" }, t("moderation.work.intro")),
      workList),
  );

  let work = [];
  let cursor = null;
  let shown = 0;
  const places = new Map(); // space id -> {id, name, orgName, can_administer}

  const drawWork = () => clear(workList, ...workItems(work));
  const drawFilters = () => clear(filters, ...filterControls(work, orgFilter, spaceFilter));
  filters.addEventListener("submit", (e) => {
    e.preventDefault();
    const data = Object.fromEntries(new FormData(filters));
    const q = new URLSearchParams();
    if (data.org_id) q.set("org_id", data.org_id);
    if (data.space_id) q.set("space_id", data.space_id);
    ctx.navigate(`/moderation${q.toString() ? `?${q}` : ""}`);
  });

  const query = (extra) => {
    const q = new URLSearchParams(extra);
    if (orgFilter) q.set("org_id", String(orgFilter));
    if (spaceFilter) q.set("space_id", String(spaceFilter));
    return `/moderation/queue?${q}`;
  };

  function itemEl(item) {
    const place = places.get(item.space.id) || { id: item.space.id, name: item.space.name, orgName: item.org.name, can_administer: false };
    const head = h("p", { class: "queue-place" },
      h("a", { href: `/moderation?space=${item.space.id}` }, `${item.org.name} · ${item.space.name}`), " ",
      item.kind === "flagged" ? badge(t("moderation.kind.flagged"), "locked")
        : item.kind === "pending" ? badge(t("moderation.kind.pending"), "archived") : badge(t("moderation.kind.appeal"), "pinned"));
    let el;
    if (item.kind === "flagged") el = flaggedItem(ctx, place, false, item.flagged);
    else if (item.kind === "pending") el = pendingItem(ctx, place, item.pending);
    else el = appealItem(ctx, item.appeal);
    el.prepend(head);
    el.dataset.key = itemKey(item);
    el.dataset.sig = JSON.stringify(item);
    return el;
  }

  async function loadWork() {
    work = (await get("/moderation/spaces", { signal: ctx.signal })).spaces;
    places.clear();
    for (const w of work) places.set(w.space.id, { id: w.space.id, name: w.space.name, orgName: w.org.name, can_administer: w.can_administer });
    drawWork();
    drawFilters();
  }

  let loading = null;
  async function loadQueue({ again = false } = {}) {
    if (loading) return loading;
    loading = (async () => {
      try {
        const limit = again ? Math.min(50, Math.max(20, shown)) : 20;
        const page = await get(query({ limit: String(limit) }), { signal: ctx.signal });
        cursor = page.next_cursor;
        shown = page.items.length;
        // Items that did not change keep their element (and the focus, and what
        // was typed in them); the others are drawn anew, in the queue's order.
        const before = new Map([...items.children].filter((li) => li.dataset.key).map((li) => [li.dataset.key, li]));
        const nodes = page.items.map((item) => {
          const old = before.get(itemKey(item));
          return old && old.dataset.sig === JSON.stringify(item) ? old : itemEl(item);
        });
        reconcile(items, nodes.length ? nodes : [h("li", { class: "muted" }, t("moderation.queue.empty"))]);
        more.hidden = !cursor;
        const total = work.filter((w) => (!orgFilter || w.org.id === orgFilter) && (!spaceFilter || w.space.id === spaceFilter))
          .reduce((n, w) => n + w.flagged + w.pending + w.appeals, 0);
        queueH.textContent = t("moderation.queue.heading", { count: total });
        clear(status, ...tx("moderation.queue.waiting", { count: total, when: timeEl(new Date().toISOString()) }));
      } catch (err) {
        if (err.name === "AbortError") return;
        status.textContent = t("moderation.queue.failed", { message: err.message });
      } finally {
        loading = null;
      }
    })();
    return loading;
  }
  more.addEventListener("click", async () => {
    more.disabled = true;
    try {
      const page = await get(query({ limit: "20", cursor }), { signal: ctx.signal });
      const first = page.items.length ? itemEl(page.items[0]) : null;
      items.append(...(first ? [first, ...page.items.slice(1).map(itemEl)] : []));
      shown += page.items.length;
      cursor = page.next_cursor;
      more.hidden = !cursor;
      if (first) {
        const target = first.querySelector("a");
        if (target) target.focus();
      }
    } catch (err) {
      if (err.name !== "AbortError") status.textContent = err.message;
    } finally {
      more.disabled = false;
    }
  });

  ctx.changed = () => refresh();
  async function refresh() {
    await loadWork();
    await loadQueue({ again: true });
  }
  let timer = null;
  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(() => refresh().catch(() => {}), 400);
  };
  await loadWork();
  // Each space's queue channel: only its moderators may follow it. Once the
  // server confirms a subscription (at first, and after a reconnect), the queue
  // is read again, so nothing that changed before it was live is missed.
  const stops = work.slice(0, LIVE_SPACES_MAX).map((w) => live.subscribe(`moderation:${w.space.id}`,
    { event: soon, subscribed: soon }));
  const poll = work.length > LIVE_SPACES_MAX ? setInterval(soon, 60_000) : null;
  ctx.cleanup(() => {
    for (const stop of stops) stop();
    clearTimeout(timer);
    clearInterval(poll);
  });
  await loadQueue();
}

async function consolePage(ctx, spaceId) {
  const { space } = await get(`/spaces/${spaceId}`, { signal: ctx.signal });
  let org = null;
  try {
    org = (await get(`/orgs/${space.org_id}`, { signal: ctx.signal })).org;
  } catch (err) {
    if (err.name === "AbortError") throw err;
  }
  ctx.title(t("mod.pageTitle", { space: space.name }));
  ctx.main.append(
    breadcrumb([["/", t("nav.home")], org ? orgCrumb(org) : null, [`/spaces/${space.id}`, space.name], ["/moderation", t("moderation.title")]].filter(Boolean)),
    h("h1", {}, t("mod.heading", { space: space.name })),
  );
  if (!space.can_moderate) {
    ctx.main.append(h("p", { class: "notice" }, t("mod.youDoNotModerate")));
    return;
  }
  const has = {
    queue: await serverHas("GET", "/spaces/{space_id}/moderation/queue"),
    sanctions: await serverHas("GET", "/spaces/{space_id}/sanctions"),
    audit: await serverHas("GET", "/spaces/{space_id}/moderation/audit"),
    settings: await serverHas("GET", "/spaces/{space_id}/moderation/settings"),
    bulk: await serverHas("POST", "/spaces/{space_id}/moderation/bulk"),
  };
  const sections = [
    has.queue && ["queue", t("mod.queue")],
    has.sanctions && ["sanctions", t("mod.mutesAndBans")],
    has.audit && ["audit", t("mod.auditLog")],
    has.settings && ["settings", t("mod.settings")],
  ].filter(Boolean);
  ctx.main.append(h("nav", { class: "subnav", "aria-label": t("mod.consoleSections") },
    h("ul", {}, sections.map(([id, text]) => h("li", {}, h("a", { href: `#${id}` }, text))))));

  // Each section registers how to reload itself; an act in one reloads all
  // (a ban may hide posts and always writes the audit log).
  ctx.reloads = [];
  ctx.changed = () => {
    for (const fn of ctx.reloads) fn();
  };
  if (has.queue) ctx.main.append(queueSection(ctx, space, has.bulk));
  if (has.sanctions) ctx.main.append(sanctionsSection(ctx, space, org));
  if (has.audit) ctx.main.append(auditSection(ctx, space));
  if (has.settings) ctx.main.append(settingsSection(ctx, space, org));
}

// ---- the queue ---------------------------------------------------------------

function postExcerpt(p) {
  return h("div", { class: "excerpt" },
    h("p", { class: "muted small" }, h("strong", { dir: "auto" }, p.author.display_name), ` · `, timeEl(p.created_at), " · ",
      h("a", { href: `/topics/${p.topic_id}#post-${p.id}` }, t("mod.viewInThread"))),
    p.deleted ? h("p", { class: "placeholder" }, t("mod.deletedByItsAuthor"))
      : trustedHtml(h("div", { class: "prose", lang: p.lang || null, dir: "auto" }), p.html || ""));
}

/** Said beside the count, not only inside "Who flagged it": flags from accounts
 * newer than the post reach the queue but do not count toward hiding it. */
function newcomerFlags(flags) {
  const n = flags.filter((f) => f.established === false).length;
  if (n === 0) return null;
  const key = flags.length === 1 ? "mod.newcomer.one" : n === flags.length ? "mod.newcomer.all" : "mod.newcomer.some";
  return ` · ${t(key, { count: n, total: flags.length })}`;
}

/** A form with several submit buttons: answers which one was pressed last. */
function pressed(form, initial) {
  let action = initial;
  for (const b of form.querySelectorAll("button[type=submit]")) b.addEventListener("click", () => { action = b.value; });
  return () => action;
}

// Moderators do not decide on their own posts; the organization's admins may.
const ownCase = (ctx, space, p) => ctx.user && p.author.id === ctx.user.id && !space.can_administer;
const ownCaseNotice = () => h("p", { class: "notice" }, t("mod.thisIsYourPost"));

function flaggedItem(ctx, space, hasBulk, item) {
  const p = item.post;
  const own = ownCase(ctx, space, p);
  const firstFlag = item.flags[0];
  const checkId = uid("sel");
  const reasons = Object.entries(item.reasons || {}).map(([k, n]) => `${ruleWords(k)} ${n}`).join(", ");
  const form = h("form", { class: "inline-form" }, formError(),
    field({ label: t("mod.reasonToldToThe"), name: "reason", maxlength: 2000 }),
    h("div", { class: "actions" },
      h("button", { type: "submit", value: "hide", class: "danger" }, t("post.hide")),
      h("button", { type: "submit", value: "dismiss" }, t("mod.dismissFlags"))));
  const action = pressed(form, "hide");
  onSubmit(form, async (data) => {
    const { resolution } = await post(`/flags/${firstFlag.id}/resolve`, { action: action(), reason: data.reason || "" });
    ctx.announce(resolution.outcome === "hidden" ? t("postui.postHidden") : t("mod.flagsDismissed"));
    ctx.changed();
  });
  return h("li", { class: ["queue-item", item.escalated && "escalated"], "data-post-id": String(p.id) },
    hasBulk && !own ? h("div", { class: "radio" }, h("input", { type: "checkbox", id: checkId, value: String(p.id) }),
      h("label", { for: checkId }, t("mod.selectPost", { name: p.author.display_name }))) : null,
    h("p", { class: "badges" },
      item.escalated ? badge(t("mod.staffPost"), "pinned") : null,
      badge(t("mod.flagCount", { count: item.flag_count }), "locked"),
      item.auto_hidden ? badge(t("mod.hiddenAutomaticallyWaitingFor"), "archived") : null,
      p.hidden && !item.auto_hidden ? badge(t("mod.hidden"), "archived") : null),
    h("p", { class: "small" }, tx("mod.reasons", { reasons: reasons || "—", time: timeEl(item.first_flagged_at) }),
      newcomerFlags(item.flags)),
    item.escalated ? h("p", { class: "small" },
      t("mod.firstInTheQueue")) : null,
    postExcerpt(p),
    h("details", {}, h("summary", {}, t("mod.whoFlaggedItAnd")),
      h("ul", { class: "flags" }, item.flags.map((f) => h("li", {},
        `${f.by.display_name}: ${ruleWords(f.reason)}`, f.note ? ` — “${f.note}”` : "", " · ", timeEl(f.created_at),
        f.established === false ? h("span", { class: "muted small" }, t("mod.accountNewerThanThe")) : null)))),
    own ? ownCaseNotice() : [form, sanctionButton(ctx, space, p.author)]);
}

/** "Mute or ban <name>…": the dialog shows who they are and asks to confirm. */
function sanctionButton(ctx, space, author) {
  if (ctx.user && author.id === ctx.user.id) return null;
  const button = h("button", { type: "button", class: "linklike sanction-open", "data-opener": `sanction-${space.id}-${author.id}` },
    t("moderation.sanctionButton", { name: author.display_name }));
  button.addEventListener("click", () => openSanctionDialog({
    space: { id: space.id, name: space.name, orgName: space.orgName }, userId: author.id, opener: button,
    announce: ctx.announce, done: () => ctx.changed && ctx.changed(),
  }));
  return h("p", { class: "small" }, button);
}

function pendingItem(ctx, space, p) {
  const form = h("form", { class: "inline-form" }, formError(),
    field({ label: t("mod.reasonIfYouTurn"), name: "reason", maxlength: 2000 }),
    h("div", { class: "actions" },
      h("button", { type: "submit", value: "approve", class: "primary" }, t("notif.approve")),
      h("button", { type: "submit", value: "reject", class: "danger" }, t("mod.turnDown"))));
  const action = pressed(form, "approve");
  onSubmit(form, async (data) => {
    if (action() === "approve") await post(`/posts/${p.id}/approve`, {});
    else await post(`/posts/${p.id}/reject`, { reason: data.reason || "" });
    ctx.announce(action() === "approve" ? t("mod.postApprovedAndPublished") : t("mod.postTurnedDown"));
    ctx.changed();
  });
  return h("li", { class: "queue-item" }, postExcerpt(p),
    ownCase(ctx, space, p) ? ownCaseNotice() : [form, sanctionButton(ctx, space, p.author)]);
}

function appealItem(ctx, a) {
  const head = [
    h("p", {}, tx(a.kind === "ban" ? "mod.appeals.ban" : "mod.appeals.post", { name: h("strong", { dir: "auto" }, a.user.display_name) }), " · ", timeEl(a.created_at)),
    h("blockquote", { dir: "auto" }, a.text),
    a.post ? h("details", {}, h("summary", {}, t("mod.thePostUnderAppeal")), postExcerpt(a.post)) : null,
  ];
  if (a.can_answer === false) return h("li", { class: "queue-item" }, head, notice(a.answer_refused || t("mod.youMayNotAnswer")));
  const decisions = [["uphold", t("mod.upholdTheDecisionStands")], ["overturn", t("mod.overturnUndoTheDecision")]];
  const form = h("form", { class: "inline-form" }, formError(),
    h("fieldset", {}, h("legend", {}, t("mod.decision")), decisions.map(([value, text], i) => {
      const id = uid("dec");
      return h("div", { class: "radio" }, h("input", { type: "radio", name: "decision", value, id, checked: i === 0 }), h("label", { for: id }, text));
    })),
    field({ label: t("mod.answerSentToThe"), name: "reason", required: true, maxlength: 2000 }),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, t("mod.sendAnswer"))));
  onSubmit(form, async (data) => {
    await post(`/appeals/${a.id}/answer`, { decision: data.decision, reason: data.reason });
    ctx.announce(t("mod.appealAnswered"));
    ctx.changed();
  });
  return h("li", { class: "queue-item" }, head, form);
}

/** Hide or dismiss the flagged posts whose boxes are ticked, at once. */
function bulkForm(ctx, space, flagged) {
  const form = h("form", { class: "bulk form inline-bulk" }, formError(),
    field({ label: t("mod.reasonForTheSelected"), name: "reason", maxlength: 2000 }),
    h("div", { class: "actions" },
      h("button", { type: "submit", value: "hide", class: "danger" }, t("mod.hideSelected")),
      h("button", { type: "submit", value: "dismiss" }, t("mod.dismissSelected"))));
  const action = pressed(form, "hide");
  onSubmit(form, async (data) => {
    const ids = [...flagged.querySelectorAll("input[type=checkbox]:checked")].map((c) => Number(c.value));
    if (ids.length === 0) throw new ApiError(422, { error: { code: "nothing_selected", message: t("mod.selectAtLeastOne") } });
    const res = await post(`/spaces/${space.id}/moderation/bulk`, { action: action(), post_ids: ids, reason: data.reason || "" });
    form.reset();
    ctx.announce(`${res.results.length} ${res.results.length === 1 ? "post" : "posts"} ${action() === "hide" ? "hidden" : "dismissed"}.`);
    ctx.changed();
  });
  return form;
}

function queueSection(ctx, space, hasBulk) {
  const section = h("section", { id: "queue", class: "card console-section", "aria-labelledby": "queue-h", tabindex: "-1" });
  const status = h("p", { class: "muted small", role: "status" });
  const flagged = h("ol", { class: "queue" });
  const pending = h("ol", { class: "queue" });
  const appeals = h("ol", { class: "queue" });
  const refresh = h("button", { type: "button", onclick: () => load() }, t("mod.refresh"));
  const bulk = hasBulk ? bulkForm(ctx, space, flagged) : null;
  const flaggedH = h("h3", { id: "flagged-h" }, t("mod.flaggedPosts"));
  section.append(
    h("div", { class: "section-head" }, h("h2", { id: "queue-h" }, t("mod.queue")), refresh),
    status,
    flaggedH, bulk, flagged,
    h("h3", {}, t("mod.postsHeldForReview")), pending,
    h("h3", {}, t("mod.appeals")), appeals,
  );

  let loading = null;
  async function load() {
    if (loading) return loading;
    loading = (async () => {
      try {
        const q = await get(`/spaces/${space.id}/moderation/queue`, { signal: ctx.signal });
        clear(flagged, q.flagged.length ? q.flagged.map((item) => flaggedItem(ctx, space, hasBulk, item)) : h("li", { class: "muted" }, t("mod.noFlaggedPost")));
        clear(pending, q.pending.length ? q.pending.map((p) => pendingItem(ctx, space, p)) : h("li", { class: "muted" }, t("mod.noPostWaiting")));
        clear(appeals, q.appeals.length ? q.appeals.map((a) => appealItem(ctx, a)) : h("li", { class: "muted" }, t("mod.noOpenAppeal")));
        if (bulk) bulk.hidden = q.flagged.length < 2;
        flaggedH.textContent = t("mod.flaggedCount", { count: q.flagged.length });
        status.textContent = "";
        status.append(...tx("mod.updatedAt", { time: timeEl(new Date().toISOString()) }));
      } catch (err) {
        if (err.name === "AbortError") return;
        status.textContent = t("mod.queueFailed", { message: err.message });
      } finally {
        loading = null;
      }
    })();
    return loading;
  }

  // Anything that happens in the space may change the queue: read it again
  // soon after each event (the queue is read whole, so replaying is harmless).
  let timer = null;
  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(load, 400);
  };
  const feed = follow(`space:${space.id}`);
  ctx.cleanup(feed.stop);
  const onVisible = () => {
    if (document.visibilityState === "visible") soon();
  };
  document.addEventListener("visibilitychange", onVisible);
  ctx.cleanup(() => {
    clearTimeout(timer);
    document.removeEventListener("visibilitychange", onVisible);
  });
  ctx.reloads.push(() => load());
  feed.start({ load, apply: soon });
  return section;
}

// ---- mutes and bans ------------------------------------------------------------

function sanctionsSection(ctx, space, org) {
  const section = h("section", { id: "sanctions", class: "card console-section", "aria-labelledby": "sanctions-h", tabindex: "-1" });
  const list = h("ul", { class: "people" });
  const err = h("p", { class: "form-error", role: "alert", hidden: true });
  const place = { id: space.id, name: space.name, orgName: org ? org.name : null };
  // People of the space first (who posted here, a private space's members).
  const search = async (q, signal) => (await get(`/spaces/${space.id}/participants?prefix=${encodeURIComponent(q)}`, { signal })).users;
  const picker = personPicker({ label: t("moderation.sanctions.person"), hint: t("moderation.sanctions.personHint"), search, signal: ctx.signal });
  const form = h("form", { class: "form" }, formError(), picker,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "danger" }, t("moderation.sanctions.open"))));
  onSubmit(form, async (data, f) => {
    const userId = chosenId(data);
    openSanctionDialog({ space: place, userId, opener: f.querySelector("button[type=submit]"), announce: ctx.announce,
      done: () => {
        picker.reset();
        ctx.changed();
      } });
  });
  // From a post's "Mute or ban…" (the topic page links here with ?user=).
  const named = Number(ctx.query.get("user"));
  if (Number.isInteger(named) && named > 0) {
    queueMicrotask(() => openSanctionDialog({ space: place, userId: named, opener: form.querySelector("button[type=submit]"),
      announce: ctx.announce, done: () => ctx.changed() }));
  }

  async function load() {
    try {
      const { sanctions } = await get(`/spaces/${space.id}/sanctions`, { signal: ctx.signal });
      clear(list, sanctions.length ? sanctions.map((s) => h("li", {},
        h("span", {}, h("strong", { dir: "auto" }, s.user.display_name), ` @${s.user.handle} · `,
          t(s.kind === "ban" ? "mod.banned" : "mod.muted", { until: untilWords(s.expires_at) }), " · ", t("notice.quoted", { reason: s.reason })),
        h("button", { type: "button", class: "linklike", "aria-label": t(s.kind === "ban" ? "mod.liftBan" : "mod.liftMute", { name: s.user.display_name }), onclick: async (e) => {
          e.currentTarget.disabled = true;
          err.hidden = true;
          try {
            await del(`/spaces/${space.id}/${s.kind === "ban" ? "bans" : "mutes"}/${s.user.id}`);
            ctx.announce(t(s.kind === "ban" ? "mod.banLifted" : "mod.muteLifted"));
            ctx.changed();
          } catch (ex) {
            err.textContent = ex.message;
            err.hidden = false;
          }
        } }, t("mod.lift")))) : h("li", { class: "muted" }, t("mod.nobodyIsMutedOr")));
    } catch (ex) {
      if (ex.name !== "AbortError") clear(list, h("li", { class: "form-error" }, ex.message));
    }
  }
  ctx.reloads.push(() => load());
  load();
  section.append(h("h2", { id: "sanctions-h" }, t("mod.mutesAndBans")), list, err,
    h("h3", {}, t("mod.muteOrBanSomeone")), form);
  return section;
}

// ---- the audit log ---------------------------------------------------------------

/** What an entry acted on, by name (the server names it: never an id). */
function auditTarget(e) {
  const { name, handle, topic_id: topicId, post_id: postId } = e.target || {};
  if (e.target_type === "user") return name ? [own(name), handle ? h("span", { class: "muted small" }, ` @${handle}`) : null] : t("mod.target.user");
  if (e.target_type === "post") {
    return name ? h("a", { href: `/topics/${topicId}#post-${postId}` }, tx("mod.target.postIn", { title: own(name) })) : t("mod.target.post");
  }
  if (e.target_type === "topic") return name ? h("a", { href: `/topics/${topicId}`, dir: "auto" }, name) : t("mod.target.topic");
  if (e.target_type === "space") return name ? own(name) : t("mod.target.space");
  return t("mod.target.appeal");
}

/** Why: the reason, a sanction's end, how many flags; a settings change says what changed. */
function auditWhy(e) {
  const sanction = e.action === "user.ban" || e.action === "user.mute";
  const parts = [e.reason || null, sanction ? untilWords(e.until) : null,
    e.flags != null ? t("mod.detail.flags", { count: e.flags }) : null,
    e.action === "space.settings" ? e.detail : null].filter(Boolean);
  return parts.length ? parts.join(" · ") : "—";
}

function auditSection(ctx, space) {
  const section = h("section", { id: "audit", class: "card console-section", "aria-labelledby": "audit-h", tabindex: "-1" });
  const body = h("tbody", {});
  const more = h("button", { type: "button", hidden: true }, t("space.modLog.older"));
  const filter = h("form", { class: "filters" },
    select({ label: t("mod.kindOfAct"), name: "action", options: [["", t("notif.all")], ...AUDIT_ACTIONS.map((a) => [a, actionWords(a)])], value: "" }),
    personPicker({ label: t("mod.byPerson"), name: "actor", signal: ctx.signal }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("mod.filter"))), formError());
  let query = {};
  let before = null;
  async function load(reset) {
    const params = new URLSearchParams({ limit: "50", ...query });
    if (!reset && before) params.set("before", String(before));
    const page = await get(`/spaces/${space.id}/moderation/audit?${params}`, { signal: ctx.signal });
    if (reset) clear(body);
    for (const e of page.entries) {
      body.append(h("tr", {},
        h("td", {}, timeEl(e.created_at)),
        h("td", {}, e.actor ? e.actor.display_name : "—", h("br", {}), h("span", { class: "muted small" }, roleWords(e.role))),
        h("td", {}, actionWords(e.action), e.rule ? h("span", { class: "muted small" }, ` (${ruleWords(e.rule)})`) : null),
        h("td", {}, auditTarget(e)),
        h("td", {}, auditWhy(e))));
    }
    if (reset && page.entries.length === 0) body.append(h("tr", {}, h("td", { colspan: "5", class: "muted" }, t("mod.nothingRecorded"))));
    before = page.next_before;
    more.hidden = !before;
  }
  onSubmit(filter, async (data) => {
    query = {};
    if (data.action) query.action = data.action;
    if (data.actor) query.actor = data.actor;
    await load(true);
  });
  more.addEventListener("click", () => load(false).catch((e) => ctx.announce(e.message)));
  ctx.reloads.push(() => load(true).catch(() => {}));
  load(true).catch((e) => {
    if (e.name !== "AbortError") clear(body, h("tr", {}, h("td", { colspan: "5", class: "form-error" }, e.message)));
  });
  section.append(
    h("h2", { id: "audit-h" }, t("mod.auditLog")),
    h("p", { class: "muted small" }, t("mod.everyModerationActIn")),
    filter,
    h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": t("mod.auditLogEntries") },
      h("table", {}, h("thead", {}, h("tr", {}, [t("mod.when"), t("mod.who"), t("mod.what"), t("mod.on"), t("mod.why")].map((t) => h("th", { scope: "col" }, t)))), body)),
    more);
  return section;
}

// ---- settings ---------------------------------------------------------------------

function settingsSection(ctx, space, org) {
  const section = h("section", { id: "settings", class: "card console-section", "aria-labelledby": "settings-h", tabindex: "-1" });
  section.append(h("h2", { id: "settings-h" }, t("mod.settings")), h("p", { class: "muted" }, t("site.loading")));
  (async () => {
    const { settings } = await get(`/spaces/${space.id}/moderation/settings`, { signal: ctx.signal });
    draw(settings);
  })().catch((e) => {
    if (e.name !== "AbortError") clear(section, h("h2", { id: "settings-h" }, t("mod.settings")), h("p", { class: "form-error" }, e.message));
  });

  function draw(settings) {
    const gateId = uid("gate");
    const gated = !settings.tools_available;
    const gate = gated ? h("p", { class: "gate", id: gateId },
      t(org ? "mod.toolsGated" : "mod.toolsGatedHere", { tier: org ? tierName(org.tier) : "" }), " ",
      org && org.is_admin ? h("a", { href: `/orgs/${org.id}` }, t("mod.requestAHigherTier")) : t("mod.itsAdminsCanRequest"),
      t("mod.whatIsSetStays")) : null;
    const describe = gated ? gateId : null;
    const numberField = (label, name, value, min, max, hint) => {
      const f = field({ label, name, type: "number", value: String(value), min, max, inputmode: "numeric", hint });
      if (describe) {
        const input = f.querySelector("input");
        input.setAttribute("aria-describedby", [input.getAttribute("aria-describedby"), describe].filter(Boolean).join(" "));
      }
      return f;
    };
    const words = field({ label: t("mod.filteredWordsOnePer"), name: "words", type: "textarea", rows: 3, value: settings.word_filter.words.join("\n") });
    if (describe) words.querySelector("textarea").setAttribute("aria-describedby", describe);
    const mode = select({ label: t("mod.wordFilter"), name: "mode", value: settings.word_filter.mode,
      options: [["off", t("mod.off")], ["block", t("mod.blockPostsWithThese")], ["review", t("mod.holdPostsWithThese")]] });
    if (describe) mode.querySelector("select").setAttribute("aria-describedby", describe);
    const form = h("form", { class: "form" }, formError(),
      select({ label: t("mod.whoMayOpenTopics"), name: "topic_policy", value: settings.topic_policy,
        options: [["participants", t("mod.everyParticipant")], ["moderators", t("mod.moderatorsOnly")]] }),
      numberField(t("mod.hideAPostAutomatically"), "flag_threshold", settings.flag_threshold, 1, 100),
      settings.response_target_days === undefined ? null
        : field({ label: t("mod.responseTargetDaysThe"), name: "response_target_days",
          type: "number", value: String(settings.response_target_days), min: 1, max: 365, inputmode: "numeric",
          hint: t("mod.everyTierItApplies") }),
      h("fieldset", {}, h("legend", {}, t("mod.toolsOfTheHigher")), gate,
        mode, words,
        numberField(t("mod.holdTheFirstPosts"), "premoderation_posts", settings.premoderation_posts, 0, 100),
        numberField(t("mod.slowModeSecondsBetween"), "slow_mode_seconds", settings.slow_mode_seconds, 0, 86400)),
      h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, t("mod.saveSettings"))));
    onSubmit(form, async (data) => {
      const changes = {};
      if (data.topic_policy !== settings.topic_policy) changes.topic_policy = data.topic_policy;
      for (const key of ["flag_threshold", "premoderation_posts", "slow_mode_seconds", "response_target_days"]) {
        if (data[key] !== undefined && Number(data[key]) !== settings[key]) changes[key] = Number(data[key]);
      }
      const list = data.words.split("\n").map((w) => w.trim()).filter(Boolean);
      const wf = {};
      if (data.mode !== settings.word_filter.mode) wf.mode = data.mode;
      if (list.join("\n") !== settings.word_filter.words.join("\n")) wf.words = list;
      if (Object.keys(wf).length) changes.word_filter = wf;
      if (Object.keys(changes).length === 0) {
        ctx.announce(t("mod.nothingChanged"));
        return;
      }
      try {
        const res = await patch(`/spaces/${space.id}`, changes);
        draw(res.settings);
        ctx.announce(t("mod.settingsSaved"));
        ctx.changed();
      } catch (err) {
        if (err instanceof ApiError && err.status === 402 && !err.fields) {
          // Point at what needs the tier.
          const field402 = changes.word_filter ? "mode" : changes.premoderation_posts !== undefined ? "premoderation_posts" : "slow_mode_seconds";
          err.fields = { [field402]: tierMessage(err) };
        } else if (err.fields && err.fields["word_filter.mode"]) {
          err.fields.mode = err.fields["word_filter.mode"];
        }
        throw err;
      }
    });
    clear(section, h("h2", { id: "settings-h" }, t("mod.settings")), form);
  }
  return section;
}
