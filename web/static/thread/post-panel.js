// The panel under a post: one thing at a time (reply, edit, delete, history,
// flag, appeal, hide), opened by the post's action bar and closed by its
// Cancel, by Escape in a reply, or by pressing the same action again. The
// author's own edit and delete, and the history of a post, are here; replies
// are composer.js's, flags, appeals and hiding post-moderation.js's.

import { del, get, patch } from "../api.js";
import { clear, field, formError, h, onSubmit, timeEl, trustedHtml } from "../dom.js";
import { replyForm } from "./composer.js";
import { languageChoice } from "./post-language.js";
import { appealForm, flagForm, hideForm } from "./post-moderation.js";
import { updatePost } from "./state.js";
import { t } from "../i18n.js";

export function closePanel(node) {
  clear(node.panel);
  node.panelKind = null;
}

export function showPanelMessage(node, text, isError = false) {
  clear(node.panel, h("p", { class: isError ? "form-error" : "notice", role: isError ? "alert" : "status" }, text));
  node.panelKind = "message";
}

/** The author's edit: the text, and the language it is in, shown as the post has it
 * (sent only when the author changes it: left as it was, an edited text is
 * detected again unless the author had said its language before; turned to
 * "Detect automatically", `lang: null` asks the server to detect it again). */
function editForm(view, node) {
  const said = node.post.lang || "";
  const form = h("form", { class: "inline-form" }, formError(),
    field({ label: t("postui.editYourPost"), name: "body", type: "textarea", value: node.post.body, required: true, maxlength: 20000, rows: 5 }),
    languageChoice(said),
    h("div", { class: "actions" },
      h("button", { type: "submit", class: "primary" }, t("postui.save")),
      h("button", { type: "button", onclick: () => closePanel(node) }, t("composer.cancel"))));
  onSubmit(form, async (data) => {
    const change = { body: data.body };
    if (data.lang !== said) change.lang = data.lang || null;
    const { post: updated } = await patch(`/posts/${node.id}`, change);
    updatePost(view.thread, node.id, updated);
    closePanel(node);
    view.draw(node);
    view.ctx.announce(t("postui.yourPostWasUpdated"));
    node.article.focus();
  });
  return form;
}

function deleteForm(view, node) {
  const form = h("form", { class: "inline-form" }, formError(),
    h("p", {}, t("postui.deleteThisPostReplies")),
    h("div", { class: "actions" },
      h("button", { type: "submit", class: "danger" }, t("postui.deletePost")),
      h("button", { type: "button", onclick: () => closePanel(node) }, t("composer.cancel"))));
  onSubmit(form, async () => {
    await del(`/posts/${node.id}`);
    updatePost(view.thread, node.id, { deleted: true, body: "", html: "" });
    closePanel(node);
    view.draw(node);
    view.ctx.announce(t("postui.yourPostWasDeleted"));
    node.article.focus();
  });
  return form;
}

/** The earlier versions of an edited post, read when opened. */
function showHistory(view, node) {
  const box = h("div", { class: "history", role: "region", "aria-label": t("postui.earlierVersions") }, h("p", { class: "muted" }, t("site.loading")));
  node.panel.append(box);
  get(`/posts/${node.id}/revisions`, { signal: view.ctx.signal }).then(({ revisions }) => {
    clear(box, h("h3", {}, t("postui.earlierVersions")));
    if (revisions.length === 0) box.append(h("p", { class: "muted" }, t("postui.noEarlierVersion")));
    const list = h("ol", { class: "revisions" });
    for (const r of [...revisions].reverse()) {
      list.append(h("li", {}, h("p", { class: "muted small" }, timeEl(r.created_at)),
        trustedHtml(h("div", { class: "prose", dir: "auto" }), r.html)));
    }
    box.append(list, h("button", { type: "button", onclick: () => { closePanel(node); node.article.focus(); } }, t("postui.closeHistory")));
  }, (err) => {
    if (err.name !== "AbortError") clear(box, h("p", { class: "form-error", role: "alert" }, err.message));
  });
}

const FORMS = {
  reply: (view, node) => replyForm(view, node, { label: t("postui.replyTo", { name: node.post.author.display_name }) }),
  edit: editForm,
  delete: deleteForm,
  flag: flagForm,
  hide: hideForm,
  appeal: appealForm,
};

/** Opens `kind` under the post, or closes it when it is already open. */
export function openPanel(view, node, kind) {
  if (node.panelKind === kind) {
    closePanel(node);
    return;
  }
  clear(node.panel);
  node.panelKind = kind;
  if (kind === "history") {
    showHistory(view, node);
    return;
  }
  const form = FORMS[kind](view, node);
  node.panel.append(form);
  const first = form.querySelector("textarea, input, button[type=submit]");
  if (first) first.focus();
}
