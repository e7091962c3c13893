// A space: its topics (pinned first, then latest activity; or the most
// horizontal first: most kinds of stakeholder), live, questions to the
// organization with their status and Overdue mark, the form to open a topic
// or ask a question, and a link to how fast the organization answers here.
// At load: GET /spaces/{id}/overview, then the first page of topics.

import {
  askedWho, dateWords, kindsOf, PARTICIPANT_KINDS, questionBadges,
} from "../accountability.js";
import { get, post, serverHas } from "../api.js";
import { badge, clear, field, formError, h, onSubmit, own, select, timeEl, uid } from "../dom.js";
import { followControl } from "../follow.js";
import { follow } from "../live.js";
import { LANGUAGES, supported, t, tx } from "../i18n.js";
import { languageChoice } from "../thread/post-language.js";
import { actionWords, breadcrumb, orgCrumb, roleWords, ruleWords } from "../widgets.js";

const SORTS = [["latest", t("space.sort.latest")], ["horizontal", t("space.sort.horizontal")]];

/** `order`: where each topic came in the server's answer (for the
 * horizontal order, which the server decides). */
function sortTopics(topics, sort, order) {
  const at = (topic) => order.get(topic.id) ?? Number.MAX_SAFE_INTEGER;
  return topics.sort((a, b) => {
    if (sort === "horizontal") {
      const [ka, kb] = [kindsOf(a), kindsOf(b)];
      if (ka !== null && kb !== null && ka !== kb) return kb - ka;
      if (at(a) !== at(b)) return at(a) - at(b);
    } else if (a.pinned !== b.pinned) {
      return a.pinned ? -1 : 1;
    }
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
      "aria-label": t("space.export.download", { format: fmt.toUpperCase() }),
    }, fmt.toUpperCase());
    parts.push(h("p", {}, tx("space.export", { csv: link("csv"), json: link("json") })));
  }
  if (caps.analytics && org && await serverHas("GET", "/spaces/{space_id}/analytics")) {
    parts.push(h("p", {}, tx("space.analytics", { link: h("a", { href: `/orgs/${org.id}?view=analytics&space=${space.id}` },
      t("space.analytics.link")) })));
  }
  return parts.length ? h("div", { class: "card" }, ...parts) : null;
}

/** Everyone: how fast the organization answers the questions asked here. */
async function responsivenessCard(space, org) {
  if (!await serverHas("GET", "/spaces/{space_id}/responsiveness")) return null;
  return h("p", { class: "card" }, tx("space.responsiveness", {
    link: h("a", { href: `/spaces/${space.id}?view=responsiveness` },
      t("space.responsiveness.link", { org: org ? org.name : t("question.who.organization") })),
    days: space.response_target_days ?? 14 }));
}

/** A question's due date in words, beside its badges. */
function dueWords(topic) {
  const q = topic.kind === "question" ? topic.question : null;
  if (!q) return "";
  if (q.overdue) return ` · ${t("space.wasDue", { date: dateWords(q.due_at) })}`;
  if (q.status === "open" || q.status === "acknowledged") return ` · ${t("space.dueBy", { date: dateWords(q.due_at) })}`;
  return "";
}

function topicItem(topic) {
  const kinds = kindsOf(topic);
  const overdue = topic.kind === "question" && topic.question && topic.question.overdue;
  return h("li", { class: ["topic-item", topic.pinned && "is-pinned", overdue && "is-overdue"], id: `topic-${topic.id}` },
    h("h3", {}, h("a", { href: `/topics/${topic.id}`, dir: "auto" }, topic.title)),
    h("p", { class: "badges" },
      ...questionBadges(topic),
      topic.pinned ? badge(t("topic.pinned"), "pinned") : null,
      topic.locked ? badge(t("topic.locked"), "locked") : null,
      topic.archived ? badge(t("topic.archived"), "archived") : null),
    h("p", { class: "muted small" },
      tx("space.startedBy", { name: own(topic.author.display_name) }), " · ",
      t("home.postCount", { count: topic.post_count }), " · ",
      tx("space.lastActivity", { time: timeEl(topic.last_activity_at) }),
      dueWords(topic),
      kinds !== null ? ` · ${t("space.kindsTookPart", { kinds, count: PARTICIPANT_KINDS.length })}` : ""),
  );
}

/** The form to open a topic: a discussion, or (where the server has questions)
 * a question to the organization, which it is asked to answer within the
 * space's target. */
function topicForm(ctx, space, org, questions) {
  const who = askedWho(org);
  const days = space.response_target_days ?? 14;
  const labels = {
    discussion: [t("space.form.title"), t("space.form.body"), t("space.form.start")],
    question: [t("space.form.question"), t("space.form.details"), t("space.form.ask")],
  };
  const radio = (value, text, hint) => {
    const id = uid("kind");
    const hintEl = hint ? h("p", { class: "hint radio-hint", id: `${id}-hint` }, hint) : null;
    return [h("div", { class: "radio" },
      h("input", { type: "radio", name: "kind", value, id, checked: value === "discussion", "aria-describedby": hintEl ? hintEl.id : null }),
      h("label", { for: id }, text)), hintEl];
  };
  const title = field({ label: labels.discussion[0], name: "title", required: true, maxlength: 200 });
  const body = field({ label: labels.discussion[1], name: "body", type: "textarea", required: true,
    maxlength: 20000, rows: 5, hint: t("markdown.hint") });
  const submit = h("button", { type: "submit", class: "primary" }, labels.discussion[2]);
  const form = h("form", { class: "card form", "aria-labelledby": "new-topic-h" },
    h("h2", { id: "new-topic-h" }, questions ? t("space.form.headingBoth") : t("space.form.heading")),
    formError(),
    questions ? h("fieldset", {}, h("legend", {}, t("space.form.what")),
      radio("discussion", t("space.form.discussion")),
      radio("question", t("space.form.askWho", { who }),
        t("space.form.askHint", { org: org ? org.name : t("question.who.organization"), count: days }))) : null,
    title, body, languageChoice(null, t("space.form.lang")),
    h("div", { class: "actions" }, submit));
  form.addEventListener("change", (event) => {
    if (event.target.name !== "kind") return;
    const [titleWords, bodyWords, submitWords] = labels[event.target.value];
    title.querySelector("label").textContent = titleWords;
    body.querySelector("label").textContent = bodyWords;
    submit.textContent = submitWords;
  });
  onSubmit(form, async (data) => {
    const request = { title: data.title, body: data.body };
    if (data.lang) request.lang = data.lang;
    if (data.kind === "question") request.kind = "question";
    const { topic } = await post(`/spaces/${space.id}/topics`, request);
    ctx.navigate(`/topics/${topic.id}`);
  });
  return form;
}

/** Where a topic is opened: the form, or why there is none. */
function composer(ctx, org, questions) {
  const slot = h("div", {});
  const draw = (space) => {
    const canOpen = ctx.user && (space.topic_policy === "participants" || space.can_moderate);
    if (!ctx.user) {
      const next = encodeURIComponent(location.pathname);
      const vars = {
        signIn: h("a", { href: `/login?next=${next}` }, t("space.signIn")),
        signUp: h("a", { href: `/signup?next=${next}` }, t("space.signUp")),
        who: askedWho(org),
      };
      clear(slot, h("p", { class: "card" }, tx(questions ? "space.signInToAsk" : "space.signInToStart", vars)));
      return;
    }
    if (!canOpen) {
      clear(slot, h("p", { class: "card muted" }, t("space.onlyModerators")));
      return;
    }
    if (slot.querySelector("form")) return; // keep what is being typed
    clear(slot, topicForm(ctx, space, org, questions));
  };
  return { slot, draw };
}

/** The order of the list, kept in the address (?sort=horizontal). */
function sortControl(ctx, sort, changed) {
  const control = select({ label: t("space.sort.label"), name: "sort", options: SORTS, value: sort,
    hint: t("space.sort.hint") });
  control.classList.add("sort-control");
  control.querySelector("select").addEventListener("change", (event) => {
    const url = new URL(location.href);
    if (event.target.value === "latest") url.searchParams.delete("sort");
    else url.searchParams.set("sort", event.target.value);
    history.replaceState(null, "", url);
    changed(event.target.value);
  });
  return control;
}

/** Only the topics with a post in one language (?lang=ko), each language
 * named in its own words; kept in the address. */
function languageControl(lang, changed) {
  const options = [["", t("space.lang.all")], ...LANGUAGES.map((l) => [l.code, l.name])];
  const control = select({ label: t("space.lang.label"), name: "lang", options, value: lang });
  control.classList.add("sort-control");
  for (const option of control.querySelectorAll("option[value]")) {
    if (option.value) option.lang = option.value;
  }
  control.querySelector("select").addEventListener("change", (event) => {
    const url = new URL(location.href);
    if (event.target.value) url.searchParams.set("lang", event.target.value);
    else url.searchParams.delete("lang");
    history.replaceState(null, "", url);
    changed(event.target.value);
  });
  return control;
}

/** The topics of the space as the list shows them, and the reads that fill it. */
function topicList(ctx, spaceId, sortable, byLanguage) {
  const T = { topics: new Map(), order: new Map(), cursor: null };
  T.sort = sortable && ctx.query.get("sort") === "horizontal" ? "horizontal" : "latest";
  T.lang = byLanguage ? supported(ctx.query.get("lang")) || "" : "";
  T.list = h("ol", { class: "topic-list" });
  T.empty = h("p", { class: "muted" }, t("space.noTopic"));
  T.more = h("button", { type: "button", hidden: true }, t("space.moreTopics"));
  T.redraw = () => {
    clear(T.list, ...sortTopics([...T.topics.values()], T.sort, T.order).map(topicItem));
    T.empty.hidden = T.topics.size > 0;
  };
  T.read = async (cursor) => {
    const params = new URLSearchParams({ limit: "50" });
    if (T.sort !== "latest") params.set("sort", T.sort);
    if (T.lang) params.set("lang", T.lang);
    if (cursor) params.set("cursor", cursor);
    const page = await get(`/spaces/${spaceId}/topics?${params}`, { signal: ctx.signal });
    if (!cursor) {
      T.topics.clear();
      T.order.clear();
    }
    for (const topic of page.topics) {
      T.topics.set(topic.id, topic);
      if (!T.order.has(topic.id)) T.order.set(topic.id, T.order.size);
    }
    T.cursor = page.next_cursor;
    T.more.hidden = !T.cursor;
    T.redraw();
  };
  T.more.addEventListener("click", async () => {
    T.more.disabled = true;
    try {
      await T.read(T.cursor);
    } catch (err) {
      if (err.name !== "AbortError") ctx.announce(t("space.moreFailed", { message: err.message }));
    } finally {
      T.more.disabled = false;
    }
  });
  T.langControl = byLanguage ? languageControl(T.lang, (code) => {
    T.lang = code;
    T.read(null).catch((err) => {
      if (err.name !== "AbortError") ctx.announce(t("space.sortFailed", { message: err.message }));
    });
  }) : null;
  T.control = sortable ? sortControl(ctx, T.sort, (sort) => {
    T.sort = sort;
    T.read(null).catch((err) => {
      if (err.name !== "AbortError") ctx.announce(t("space.sortFailed", { message: err.message }));
    });
  }) : null;
  return T;
}

/** One event of the space's channel, applied to the list (idempotent). */
function applySpaceEvent(ctx, T, msg, spaceId) {
  const data = msg.data || {};
  if (msg.name === "question.status_changed") {
    const known = T.topics.get(data.topic_id);
    if (!known || !data.question) return;
    T.topics.set(known.id, { ...known, kind: "question", question: data.question });
    T.redraw();
    return;
  }
  const topic = data.topic || data;
  if (!topic || typeof topic.id !== "number") return;
  if (msg.name === "topic.moved" && topic.space_id !== spaceId) {
    if (T.topics.delete(topic.id)) T.redraw();
    return;
  }
  const isNew = !T.topics.has(topic.id);
  T.topics.set(topic.id, { ...T.topics.get(topic.id), ...topic });
  T.redraw();
  if (isNew && (msg.name === "topic.created" || msg.name === "topic.moved")) {
    const el = document.getElementById(`topic-${topic.id}`);
    if (el) el.classList.add("is-new");
    ctx.announce(t(topic.kind === "question" ? "space.newQuestion" : "space.newTopic", { title: topic.title }));
  }
}

export default async function spacePage(ctx) {
  const spaceId = ctx.params[0];
  // The space, its organization and the reader's follow level: one request.
  const overview = await get(`/spaces/${spaceId}/overview`, { signal: ctx.signal });
  let { space } = overview;
  const { org } = overview;
  ctx.title(space.name);

  const questions = await serverHas("POST", "/topics/{topic_id}/status");
  const T = topicList(ctx, spaceId, await serverHas("GET", "/spaces/{space_id}/topics", { query: "sort" }),
    await serverHas("GET", "/spaces/{space_id}/topics", { query: "lang" }));
  const open = composer(ctx, org, questions);
  open.draw(space);

  const modLog = h("details", { class: "card mod-log" }, h("summary", {}, t("space.modLog")));
  modLog.addEventListener("toggle", () => {
    if (modLog.open && !modLog.dataset.loaded) {
      modLog.dataset.loaded = "1";
      loadModLog(modLog, spaceId, ctx).catch(() => {});
    }
  });
  const hasLog = await serverHas("GET", "/spaces/{space_id}/moderation/log");
  const hasConsole = space.can_moderate && await serverHas("GET", "/spaces/{space_id}/moderation/queue");
  const reports = space.can_moderate ? await reportsCard(space, org) : null;
  const answers = await responsivenessCard(space, org);

  ctx.main.append(
    breadcrumb([["/", t("nav.home")], org ? orgCrumb(org) : null, [null, space.name]].filter(Boolean)),
    h("header", { class: "page-head" },
      h("h1", { dir: "auto" }, space.name),
      h("p", { class: "badges" },
        space.visibility === "private" ? badge(t("space.badge.private"), "private") : badge(t("space.badge.public"), "public"),
        space.can_moderate ? badge(t("space.badge.moderate"), "mod") : null),
      space.description ? h("p", { class: "lede", dir: "auto" }, space.description) : null,
      ctx.user ? followControl({ kind: "space", id: space.id, signal: ctx.signal,
        announce: (text) => ctx.announce(text), initial: overview.follow }) : null,
    ),
    h("div", { class: "space-grid" },
      h("section", { "aria-labelledby": "topics-h" },
        h("div", { class: "section-head" }, h("h2", { id: "topics-h" }, t("space.topics")), T.control, T.langControl),
        T.empty, T.list, T.more),
      h("aside", { "aria-label": t("space.about") }, open.slot,
        answers,
        hasConsole ? h("p", { class: "card" }, tx("space.console", {
          link: h("a", { href: `/moderation?space=${space.id}` }, t("space.console.link")) })) : null,
        reports,
        hasLog ? modLog : null),
    ),
  );

  const apply = (msg) => {
    if (msg.name === "space.settings_changed") {
      space = { ...space, topic_policy: msg.data.topic_policy ?? space.topic_policy,
        response_target_days: msg.data.response_target_days ?? space.response_target_days };
      open.draw(space);
      return;
    }
    applySpaceEvent(ctx, T, msg, spaceId);
  };

  const feed = follow(`space:${spaceId}`);
  ctx.cleanup(feed.stop);
  await feed.start({ load: () => T.read(null), apply });
}

/** The space's public moderation log: what kind of act, under which rule, by which role, when. */
async function loadModLog(box, spaceId, ctx, before = null) {
  const q = before ? `?limit=20&before=${before}` : "?limit=20";
  const { entries, next_before: next } = await get(`/spaces/${spaceId}/moderation/log${q}`, { signal: ctx.signal });
  let list = box.querySelector("ol.log");
  if (!list) {
    box.append(h("p", { class: "muted small" }, t("space.modLog.about")));
    list = h("ol", { class: "log" });
    box.append(list);
  }
  box.querySelector("button.more")?.remove();
  if (!before && entries.length === 0) list.append(h("li", { class: "muted" }, t("space.modLog.empty")));
  for (const e of entries) {
    list.append(h("li", {}, actionWords(e.action), e.rule ? ` ${t("space.modLog.rule", { rule: ruleWords(e.rule) })}` : "",
      " ", t("space.modLog.by", { role: roleWords(e.role) }), " · ", timeEl(e.created_at)));
  }
  if (next) {
    box.append(h("button", { type: "button", class: "more", onclick: () => loadModLog(box, spaceId, ctx, next) }, t("space.modLog.older")));
  }
}
