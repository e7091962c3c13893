// Muting or banning a person, chosen by name: a modal dialog (the native
// <dialog>: the page behind is inert, so the focus stays inside; Escape or
// Cancel closes it and the focus goes back to the button that opened it) that
// first shows the person as the space's moderators see them (name, handle,
// stakeholder type, their latest posts and earlier sanctions in this space,
// from GET /spaces/{id}/people/{user_id}), then asks what to do and for how
// long, and acts only when confirmed. The server checks every act anyway.

import { get, post } from "./api.js";
import { field, formError, h, onSubmit, select, stakeholderLabel, timeEl, uid } from "./dom.js";

export const RULES = [["", "No rule given"], ["spam", "Spam"], ["abuse", "Abuse or harassment"], ["off_topic", "Off topic"], ["other", "Other"]];
export const DURATIONS = [
  ["3600", "1 hour"], ["86400", "1 day"], ["604800", "1 week"], ["2592000", "30 days"], ["", "Until lifted"],
];

const until = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "long", hour: "2-digit", minute: "2-digit" });
const untilYear = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "long", year: "numeric", hour: "2-digit", minute: "2-digit" });

/** "until 12 December, 14:00" in the reader's own language and time zone, or
 * "permanently" when it has no end. */
export function untilWords(iso) {
  if (!iso) return "permanently";
  const when = new Date(iso);
  const fmt = when.getFullYear() === new Date().getFullYear() ? until : untilYear;
  return `until ${fmt.format(when)}`;
}

function sanctionLine(s) {
  const what = s.kind === "ban" ? "Banned" : "Muted";
  const state = s.active ? " (in force)" : "";
  return h("li", {}, `${what}${state} `, timeEl(s.created_at), `, ${untilWords(s.expires_at)}: “${s.reason}”`);
}

function card(person) {
  const u = person.user;
  const posts = person.recent_posts;
  return h("div", { class: "person-card" },
    h("p", { class: "person-name" }, h("strong", {}, u.display_name), " ",
      h("span", { class: "muted" }, `@${u.handle}`), " · ", stakeholderLabel(u.stakeholder_type)),
    h("p", { class: "muted small" }, "Joined ", timeEl(person.member_since), ` · ${person.posts_in_space} ${person.posts_in_space === 1 ? "post" : "posts"} in this space`),
    h("h3", {}, "Latest posts here"),
    posts.length ? h("ul", { class: "person-posts" }, posts.map((p) => h("li", {},
      h("a", { href: `/topics/${p.topic_id}#post-${p.id}` }, p.topic_title), " · ", timeEl(p.created_at),
      p.hidden && !p.pending ? " · hidden" : "", p.pending ? " · held for review" : "", p.deleted ? " · deleted" : "",
      p.excerpt ? h("p", { class: "excerpt-text" }, p.excerpt) : null)))
      : h("p", { class: "muted" }, "No posts in this space."),
    h("h3", {}, "Earlier sanctions here"),
    person.sanctions.length ? h("ul", {}, person.sanctions.map(sanctionLine))
      : h("p", { class: "muted" }, "None."));
}

/**
 * Opens the dialog for `userId` in `space` ({id, name, orgName?}).
 * `kind` preselects "mute" or "ban"; `opener` gets the focus back; `done(result)`
 * runs after a confirmed act; `announce(text)` says what happened.
 */
export function openSanctionDialog({ space, userId, kind = "ban", opener, done, announce }) {
  const titleId = uid("sanction-title");
  const dialog = h("dialog", { class: "sanction-dialog", "aria-labelledby": titleId });
  const title = h("h2", { id: titleId }, "Mute or ban");
  const body = h("div", { class: "dialog-body" }, h("p", { class: "muted", role: "status" }, "Loading who this is…"));
  const cancel = h("button", { type: "button", onclick: () => dialog.close("cancel") }, "Cancel");
  dialog.append(title, body);
  dialog.addEventListener("close", () => {
    dialog.remove();
    // The opener, or its twin if the page was redrawn meanwhile.
    const back = opener && (opener.isConnected ? opener
      : opener.dataset.opener && document.querySelector(`[data-opener="${CSS.escape(opener.dataset.opener)}"]`));
    if (back) back.focus();
  });
  document.body.append(dialog);
  dialog.showModal();

  (async () => {
    const { person } = await get(`/spaces/${space.id}/people/${userId}`);
    const name = person.user.display_name;
    title.textContent = `Mute or ban ${name}?`;
    const where = h("p", { class: "small" }, "In ", h("strong", {}, space.name), space.orgName ? ` (${space.orgName})` : "", " only.");
    if (person.staff) {
      body.replaceChildren(where, card(person),
        h("p", { class: "notice" }, `${name} is staff of this space: moderators and admins cannot be muted or banned in it.`),
        h("div", { class: "actions" }, cancel));
      cancel.focus();
      return;
    }
    const kindId = uid("kind");
    const kinds = h("fieldset", {}, h("legend", {}, "What to do"),
      [["mute", "Mute: may read, may not post"], ["ban", "Ban: may not post, react, flag or follow live"]].map(([value, text]) => {
        const id = `${kindId}-${value}`;
        return h("div", { class: "radio" }, h("input", { type: "radio", name: "kind", value, id, checked: value === kind }), h("label", { for: id }, text));
      }));
    const hideId = uid("hideposts");
    const hideBox = h("div", { class: "radio" }, h("input", { type: "checkbox", name: "hide_posts", value: "1", id: hideId }),
      h("label", { for: hideId }, `Also hide all posts by ${name} in this space`));
    const confirm = h("button", { type: "submit", class: "danger" });
    const form = h("form", { class: "form" }, formError(), kinds,
      select({ label: "For how long", name: "duration_seconds", options: DURATIONS, value: "86400" }),
      select({ label: "Rule broken", name: "rule", options: RULES, value: "" }),
      field({ label: `Reason (told to ${name})`, name: "reason", required: true, maxlength: 2000 }),
      hideBox,
      h("div", { class: "actions" }, confirm, cancel));
    const fit = () => {
      const chosen = form.elements.kind.value;
      hideBox.hidden = chosen !== "ban";
      confirm.textContent = `${chosen === "ban" ? "Ban" : "Mute"} ${name}`;
    };
    for (const radio of form.querySelectorAll("input[name=kind]")) radio.addEventListener("change", fit);
    fit();
    onSubmit(form, async (data) => {
      const payload = { user_id: userId, reason: data.reason };
      if (data.duration_seconds) payload.duration_seconds = Number(data.duration_seconds);
      if (data.rule) payload.rule = data.rule;
      if (data.kind === "ban") payload.hide_posts = Boolean(data.hide_posts);
      const res = await post(`/spaces/${space.id}/${data.kind === "ban" ? "bans" : "mutes"}`, payload);
      const words = `${name} ${data.kind === "ban" ? "banned" : "muted"} ${untilWords(res.sanction.expires_at)}`
        + `${res.hidden_posts ? `; ${res.hidden_posts} ${res.hidden_posts === 1 ? "post" : "posts"} hidden` : ""}.`;
      dialog.close("done");
      if (announce) announce(words);
      if (done) done(res);
    });
    body.replaceChildren(where, card(person), h("h3", {}, "Your decision"), form);
    form.querySelector("input[name=kind]:checked").focus();
  })().catch((err) => {
    body.replaceChildren(h("p", { class: "form-error", role: "alert" }, err.message || String(err)),
      h("div", { class: "actions" }, cancel));
    cancel.focus();
  });
  return dialog;
}
