// A space: its topics (pinned first, then latest activity), live, and the
// form to open a topic.

import { get, post, serverHas } from "../api.js";
import { badge, clear, field, formError, h, humanize, onSubmit, timeEl } from "../dom.js";
import { follow } from "../live.js";
import { actionWords, breadcrumb, orgCrumb } from "../widgets.js";

function sortTopics(topics) {
  return topics.sort((a, b) => {
    if (a.pinned !== b.pinned) return a.pinned ? -1 : 1;
    return b.last_activity_at.localeCompare(a.last_activity_at) || b.id - a.id;
  });
}

/** For the space's moderators: its export and analytics, when the organization's tier has them
 * (the organization's page explains the tiers; the server checks every call anyway). */
async function reportsCard(space, org) {
  const caps = (org && org.entitlements && org.entitlements.capabilities) || {};
  const parts = [];
  if (caps.export && await serverHas("GET", "/spaces/{space_id}/export")) {
    const link = (fmt) => h("a", {
      href: `/api/v1/spaces/${space.id}/export?format=${fmt}`, download: "",
      "aria-label": `Download this space as ${fmt.toUpperCase()}`,
    }, fmt.toUpperCase());
    parts.push(h("p", {}, "Export every topic and post: ", link("csv"), " · ", link("json")));
  }
  if (caps.analytics && org && await serverHas("GET", "/spaces/{space_id}/analytics")) {
    parts.push(h("p", {}, h("a", { href: `/orgs/${org.id}?view=analytics&space=${space.id}` },
      "Analytics for this space"), ": participation, stakeholder mix, response times."));
  }
  return parts.length ? h("div", { class: "card" }, ...parts) : null;
}

function topicItem(topic) {
  return h("li", { class: ["topic-item", topic.pinned && "is-pinned"], id: `topic-${topic.id}` },
    h("h3", {}, h("a", { href: `/topics/${topic.id}` }, topic.title)),
    h("p", { class: "badges" },
      topic.pinned ? badge("Pinned", "pinned") : null,
      topic.locked ? badge("Locked", "locked") : null,
      topic.archived ? badge("Archived", "archived") : null),
    h("p", { class: "muted small" },
      `Started by ${topic.author.display_name} · ${topic.post_count} ${topic.post_count === 1 ? "post" : "posts"} · last activity `,
      timeEl(topic.last_activity_at)),
  );
}

export default async function spacePage(ctx) {
  const spaceId = ctx.params[0];
  let { space } = await get(`/spaces/${spaceId}`, { signal: ctx.signal });
  let org = null;
  try {
    org = (await get(`/orgs/${space.org_id}`, { signal: ctx.signal })).org;
  } catch (err) {
    if (err.name === "AbortError") throw err;
  }
  ctx.title(space.name);

  const topics = new Map();
  let nextCursor = null;
  const list = h("ol", { class: "topic-list" });
  const empty = h("p", { class: "muted" }, "No topic yet. Start the first one.");
  const more = h("button", { type: "button", hidden: true }, "Show more topics");

  const redraw = () => {
    clear(list, ...sortTopics([...topics.values()]).map(topicItem));
    empty.hidden = topics.size > 0;
  };

  const composerSlot = h("div", {});
  function drawComposer() {
    const canOpen = ctx.user && (space.topic_policy === "participants" || space.can_moderate);
    if (!ctx.user) {
      const next = encodeURIComponent(location.pathname);
      clear(composerSlot, h("p", { class: "card" }, h("a", { href: `/login?next=${next}` }, "Sign in"), " or ",
        h("a", { href: `/signup?next=${next}` }, "create an account"), " to start a topic."));
      return;
    }
    if (!canOpen) {
      clear(composerSlot, h("p", { class: "card muted" }, "Only the moderators of this space open topics here."));
      return;
    }
    if (composerSlot.querySelector("form")) return; // keep what is being typed
    const form = h("form", { class: "card form", "aria-labelledby": "new-topic-h" },
      h("h2", { id: "new-topic-h" }, "Start a topic"),
      formError(),
      field({ label: "Title", name: "title", required: true, maxlength: 200 }),
      field({ label: "What do you want to discuss?", name: "body", type: "textarea", required: true,
        maxlength: 20000, rows: 5, hint: "Markdown works: **bold**, _italic_, [links](https://example.org), lists." }),
      h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Start topic")),
    );
    onSubmit(form, async (data) => {
      const { topic } = await post(`/spaces/${spaceId}/topics`, { title: data.title, body: data.body });
      ctx.navigate(`/topics/${topic.id}`);
    });
    clear(composerSlot, form);
  }
  drawComposer();

  const modLog = h("details", { class: "card mod-log" }, h("summary", {}, "Moderation log"));
  modLog.addEventListener("toggle", () => {
    if (modLog.open && !modLog.dataset.loaded) {
      modLog.dataset.loaded = "1";
      loadModLog(modLog, spaceId, ctx).catch(() => {});
    }
  });
  const hasLog = await serverHas("GET", "/spaces/{space_id}/moderation/log");
  const hasConsole = space.can_moderate && await serverHas("GET", "/spaces/{space_id}/moderation/queue");
  const reports = space.can_moderate ? await reportsCard(space, org) : null;

  ctx.main.append(
    breadcrumb([["/", "Home"], org ? orgCrumb(org) : null, [null, space.name]].filter(Boolean)),
    h("header", { class: "page-head" },
      h("h1", {}, space.name),
      h("p", { class: "badges" },
        space.visibility === "private" ? badge("Private: members only", "private") : badge("Public", "public"),
        space.can_moderate ? badge("You moderate this space", "mod") : null),
      space.description ? h("p", { class: "lede" }, space.description) : null,
    ),
    h("div", { class: "space-grid" },
      h("section", { "aria-labelledby": "topics-h" },
        h("h2", { id: "topics-h" }, "Topics"), empty, list, more),
      h("aside", {}, composerSlot,
        hasConsole ? h("p", { class: "card" }, h("a", { href: `/moderation?space=${space.id}` }, "Open the moderator console"), " for this space: flags, held posts, appeals, bans and the audit log.") : null,
        reports,
        hasLog ? modLog : null),
    ),
  );

  const apply = (msg) => {
    if (msg.name === "space.settings_changed") {
      space = { ...space, topic_policy: msg.data.topic_policy ?? space.topic_policy };
      drawComposer();
      return;
    }
    const topic = msg.data && (msg.data.topic || msg.data);
    if (!topic || typeof topic.id !== "number") return;
    if (msg.name === "topic.moved" && topic.space_id !== spaceId) {
      if (topics.delete(topic.id)) redraw();
      return;
    }
    const isNew = !topics.has(topic.id);
    topics.set(topic.id, { ...topics.get(topic.id), ...topic });
    redraw();
    if (isNew && (msg.name === "topic.created" || msg.name === "topic.moved")) {
      const el = document.getElementById(`topic-${topic.id}`);
      if (el) el.classList.add("is-new");
      ctx.announce(`New topic: ${topic.title}`);
    }
  };

  const load = async () => {
    const page = await get(`/spaces/${spaceId}/topics?limit=50`, { signal: ctx.signal });
    topics.clear();
    for (const t of page.topics) topics.set(t.id, t);
    nextCursor = page.next_cursor;
    more.hidden = !nextCursor;
    redraw();
  };

  more.addEventListener("click", async () => {
    more.disabled = true;
    try {
      const page = await get(`/spaces/${spaceId}/topics?limit=50&cursor=${encodeURIComponent(nextCursor)}`,
        { signal: ctx.signal });
      for (const t of page.topics) topics.set(t.id, t);
      nextCursor = page.next_cursor;
      more.hidden = !nextCursor;
      redraw();
    } catch (err) {
      if (err.name !== "AbortError") ctx.announce(`Could not load more topics: ${err.message}`);
    } finally {
      more.disabled = false;
    }
  });

  const feed = follow(`space:${spaceId}`);
  ctx.cleanup(feed.stop);
  await feed.start({ load, apply });
}

const ROLE_WORDS = {
  moderator: "a moderator",
  org_admin: "an organization admin",
  platform_admin: "a platform admin",
  system: "the system (automatic)",
};

/** The space's public moderation log: what kind of act, under which rule, by which role, when. */
async function loadModLog(box, spaceId, ctx, before = null) {
  const q = before ? `?limit=20&before=${before}` : "?limit=20";
  const { entries, next_before: next } = await get(`/spaces/${spaceId}/moderation/log${q}`, { signal: ctx.signal });
  let list = box.querySelector("ol.log");
  if (!list) {
    box.append(h("p", { class: "muted small" }, "Every moderation act in this space, without the hidden content or who flagged it."));
    list = h("ol", { class: "log" });
    box.append(list);
  }
  box.querySelector("button.more")?.remove();
  if (!before && entries.length === 0) list.append(h("li", { class: "muted" }, "No moderation act yet."));
  for (const e of entries) {
    list.append(h("li", {}, actionWords(e.action), e.rule ? ` (rule: ${humanize(e.rule)})` : "",
      ` by ${ROLE_WORDS[e.role] || e.role} · `, timeEl(e.created_at)));
  }
  if (next) {
    box.append(h("button", { type: "button", class: "more", onclick: () => loadModLog(box, spaceId, ctx, next) }, "Older entries"));
  }
}
