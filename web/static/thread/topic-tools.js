// The moderators' toolbar on a topic page: pin, lock, archive (and undo),
// rename, move the topic to another space of the organization they
// moderate, and turn a discussion into a question to the organization. Each act answers the topic as it is now; the page redraws from it.

import { get, patch, post as send } from "../api.js";
import { clear, field, formError, h, onSubmit, select } from "../dom.js";
import { moderates } from "./state.js";
import { t } from "../i18n.js";

/**
 * Draws the toolbar in `el` (nothing for a reader who does not moderate).
 * tools: {ctx, thread, changed() after the topic changed, moved() after it
 * moved (resolves once the page follows it)}.
 */
export function drawTopicTools(el, tools) {
  clear(el);
  if (!moderates(tools.thread)) return;
  const err = h("p", { class: "form-error", role: "alert", hidden: true });
  el.append(
    h("div", { class: "toolbar", role: "group", "aria-label": t("postui.moderateThisTopic") },
      toggle(tools, err, "pinned", t("postui.pin"), t("postui.unpin")),
      toggle(tools, err, "locked", t("postui.lock"), t("postui.unlock")),
      toggle(tools, err, "archived", t("postui.archive"), t("postui.unarchive")),
      renameButton(el, tools), moveButton(el, tools), questionButton(tools, err)),
    err);
}

/** A discussion becomes a question to the organization (its status: open). */
function questionButton({ ctx, thread, changed }, err) {
  if (!thread.questions || thread.topic.kind === "question") return null;
  return h("button", { type: "button", onclick: async (event) => {
    const btn = event.currentTarget;
    btn.disabled = true;
    err.hidden = true;
    try {
      thread.topic = { ...thread.topic, ...(await send(`/topics/${thread.topic.id}/status`, { status: "open" })).topic };
      changed();
      ctx.announce(t("postui.theTopicIsNow"));
    } catch (e) {
      err.textContent = e.message;
      err.hidden = false;
      btn.disabled = false;
    }
  } }, t("postui.makeItAQuestion"));
}

function toggle({ ctx, thread, changed }, err, key, on, off) {
  return h("button", {
    type: "button",
    "aria-pressed": String(Boolean(thread.topic[key])),
    onclick: async (event) => {
      const btn = event.currentTarget;
      btn.disabled = true;
      err.hidden = true;
      try {
        thread.topic = (await patch(`/topics/${thread.topic.id}`, { [key]: !thread.topic[key] })).topic;
        changed();
        ctx.announce(t(`topicTools.${key}.${thread.topic[key] ? "on" : "off"}`));
      } catch (e) {
        err.textContent = e.message;
        err.hidden = false;
        btn.disabled = false;
      }
    },
  }, thread.topic[key] ? off : on);
}

function cancelButton(el, tools, text = t("composer.cancel")) {
  return h("button", { type: "button", onclick: () => drawTopicTools(el, tools) }, text);
}

function renameButton(el, tools) {
  const { ctx, thread, changed } = tools;
  return h("button", { type: "button", onclick: () => {
    const form = h("form", { class: "inline-form" },
      formError(),
      field({ label: t("postui.newTitle"), name: "title", value: thread.topic.title, required: true, maxlength: 200 }),
      h("div", { class: "actions" },
        h("button", { type: "submit", class: "primary" }, t("postui.rename")),
        cancelButton(el, tools)));
    onSubmit(form, async (data) => {
      thread.topic = (await patch(`/topics/${thread.topic.id}`, { title: data.title })).topic;
      changed();
      ctx.announce(t("postui.topicRenamed"));
    });
    el.append(form);
    form.querySelector("input").focus();
  } }, t("postui.rename"));
}

function moveButton(el, tools) {
  const { ctx, thread, moved } = tools;
  return h("button", { type: "button", onclick: async () => {
    const form = h("form", { class: "inline-form" }, formError(), h("p", { class: "muted" }, t("home.loadingSpaces")));
    el.append(form);
    let spaces = [];
    try {
      spaces = (await get(`/orgs/${thread.space.org_id}/spaces`, { signal: ctx.signal })).spaces
        .filter((s) => s.can_moderate && s.id !== thread.space.id);
    } catch (e) {
      if (e.name === "AbortError") return;
    }
    if (spaces.length === 0) {
      clear(form, h("p", { class: "notice" }, t("postui.thereIsNoOther")),
        cancelButton(el, tools, t("postui.close")));
      return;
    }
    clear(form, formError(),
      select({ label: t("postui.moveThisTopicTo"), name: "space_id", options: spaces.map((s) => [String(s.id), s.name]), value: String(spaces[0].id) }),
      h("div", { class: "actions" },
        h("button", { type: "submit", class: "primary" }, t("postui.moveTopic")),
        cancelButton(el, tools)));
    onSubmit(form, async (data) => {
      thread.topic = (await send(`/topics/${thread.topic.id}/move`, { space_id: Number(data.space_id) })).topic;
      await moved();
      ctx.announce(t("topicTools.moved", { space: thread.space.name }));
    });
    form.querySelector("select").focus();
  } }, t("postui.move"));
}
