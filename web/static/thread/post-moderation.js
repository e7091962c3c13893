// Moderation on one post, in place in the thread: a reader flags it, its
// author appeals its hiding, a moderator (one who decides on it: see
// state.decides) hides it with a reason or restores it. The forms open in the
// post's panel (post-panel.js); the server checks every act anyway.

import { post as send } from "../api.js";
import { field, formError, h, onSubmit, uid } from "../dom.js";
import { updatePost } from "./state.js";

const FLAG_REASONS = [
  ["spam", "Spam"],
  ["abuse", "Abuse or harassment"],
  ["off_topic", "Off topic"],
  ["other", "Something else"],
];

const cancel = (view, node) => h("button", { type: "button", onclick: () => view.closePanel(node) }, "Cancel");

export function flagForm(view, node) {
  const legend = h("legend", {}, "Why should the moderators look at this post?");
  const fieldset = h("fieldset", {}, legend, FLAG_REASONS.map(([value, label], i) => {
    const id = uid("flag");
    return h("div", { class: "radio" }, h("input", { type: "radio", name: "reason", value, id, required: true, checked: i === 0 }), h("label", { for: id }, label));
  }));
  const form = h("form", { class: "inline-form" }, formError(), fieldset,
    field({ label: "Details (optional)", name: "note", type: "textarea", maxlength: 2000, rows: 2 }),
    h("div", { class: "actions" },
      h("button", { type: "submit", class: "primary" }, "Send flag"),
      cancel(view, node)));
  onSubmit(form, async (data) => {
    await send(`/posts/${node.id}/flags`, { reason: data.reason, note: data.note || "" });
    updatePost(view.thread, node.id, { flagged_by_me: true });
    view.draw(node); // "You flagged this", and no Flag any more
    view.showPanelMessage(node, "Thank you. The moderators will review this post.");
    view.ctx.announce("Flag sent to the moderators.");
  });
  return form;
}

export function hideForm(view, node) {
  const form = h("form", { class: "inline-form" }, formError(),
    field({ label: "Reason (shown to the author)", name: "reason", maxlength: 2000 }),
    h("div", { class: "actions" },
      h("button", { type: "submit", class: "danger" }, "Hide this post"),
      cancel(view, node)));
  onSubmit(form, async (data) => {
    const { post: updated } = await send(`/posts/${node.id}/hide`, { reason: data.reason || "" });
    updatePost(view.thread, node.id, updated);
    view.closePanel(node);
    view.draw(node);
    view.ctx.announce("Post hidden.");
    node.article.focus();
  });
  return form;
}

export function appealForm(view, node) {
  const form = h("form", { class: "inline-form" }, formError(),
    field({ label: "Why should this post be restored?", name: "text", type: "textarea", required: true, maxlength: 2000, rows: 3,
      hint: "You can appeal once. The moderators answer with a reason." }),
    h("div", { class: "actions" },
      h("button", { type: "submit", class: "primary" }, "Send appeal"),
      cancel(view, node)));
  onSubmit(form, async (data) => {
    await send(`/posts/${node.id}/appeal`, { text: data.text });
    view.showPanelMessage(node, "Your appeal was sent to the moderators. You will be told their answer.");
    view.ctx.announce("Appeal sent.");
  });
  return form;
}

export async function restore(view, node) {
  try {
    const { post: updated } = await send(`/posts/${node.id}/restore`, {});
    updatePost(view.thread, node.id, updated);
    view.draw(node);
    view.ctx.announce("Post restored.");
  } catch (err) {
    view.showPanelMessage(node, err.message, true);
  }
}
