// Moderation on one post, in place in the thread: a reader flags it, its
// author appeals its hiding, a moderator (one who decides on it: see
// state.decides) hides it with a reason or restores it. The forms open in the
// post's panel (post-panel.js); the server checks every act anyway.

import { post as send } from "../api.js";
import { field, formError, h, onSubmit, uid } from "../dom.js";
import { updatePost } from "./state.js";
import { t } from "../i18n.js";

const FLAG_REASONS = [
  ["spam", t("postui.spam")],
  ["abuse", t("postui.abuseOrHarassment")],
  ["off_topic", t("postui.offTopic")],
  ["other", t("postui.somethingElse")],
];

const cancel = (view, node) => h("button", { type: "button", onclick: () => view.closePanel(node) }, t("composer.cancel"));

export function flagForm(view, node) {
  const legend = h("legend", {}, t("postui.whyShouldTheModerators"));
  const fieldset = h("fieldset", {}, legend, FLAG_REASONS.map(([value, label], i) => {
    const id = uid("flag");
    return h("div", { class: "radio" }, h("input", { type: "radio", name: "reason", value, id, required: true, checked: i === 0 }), h("label", { for: id }, label));
  }));
  const form = h("form", { class: "inline-form" }, formError(), fieldset,
    field({ label: t("postui.detailsOptional"), name: "note", type: "textarea", maxlength: 2000, rows: 2 }),
    h("div", { class: "actions" },
      h("button", { type: "submit", class: "primary" }, t("postui.sendFlag")),
      cancel(view, node)));
  onSubmit(form, async (data) => {
    await send(`/posts/${node.id}/flags`, { reason: data.reason, note: data.note || "" });
    updatePost(view.thread, node.id, { flagged_by_me: true });
    view.draw(node); // "You flagged this", and no Flag any more
    view.showPanelMessage(node, t("postui.thankYouTheModerators"));
    view.ctx.announce(t("postui.flagSentToThe"));
  });
  return form;
}

export function hideForm(view, node) {
  const form = h("form", { class: "inline-form" }, formError(),
    field({ label: t("postui.reasonShownToThe"), name: "reason", maxlength: 2000 }),
    h("div", { class: "actions" },
      h("button", { type: "submit", class: "danger" }, t("postui.hideThisPost")),
      cancel(view, node)));
  onSubmit(form, async (data) => {
    const { post: updated } = await send(`/posts/${node.id}/hide`, { reason: data.reason || "" });
    updatePost(view.thread, node.id, updated);
    view.closePanel(node);
    view.draw(node);
    view.ctx.announce(t("postui.postHidden"));
    node.article.focus();
  });
  return form;
}

export function appealForm(view, node) {
  const form = h("form", { class: "inline-form" }, formError(),
    field({ label: t("postui.whyShouldThisPost"), name: "text", type: "textarea", required: true, maxlength: 2000, rows: 3,
      hint: t("postui.youCanAppealOnce") }),
    h("div", { class: "actions" },
      h("button", { type: "submit", class: "primary" }, t("postui.sendAppeal")),
      cancel(view, node)));
  onSubmit(form, async (data) => {
    await send(`/posts/${node.id}/appeal`, { text: data.text });
    view.showPanelMessage(node, t("postui.yourAppealWasSent"));
    view.ctx.announce(t("postui.appealSent"));
  });
  return form;
}

export async function restore(view, node) {
  try {
    const { post: updated } = await send(`/posts/${node.id}/restore`, {});
    updatePost(view.thread, node.id, updated);
    view.draw(node);
    view.ctx.announce(t("postui.postRestored"));
  } catch (err) {
    view.showPanelMessage(node, err.message, true);
  }
}
