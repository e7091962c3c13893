// Muting or banning a person, chosen by name: a modal dialog (the native
// <dialog>: the page behind is inert, so the focus stays inside; Escape or
// Cancel closes it and the focus goes back to the button that opened it) that
// first shows the person as the space's moderators see them (name, handle,
// stakeholder type, their latest posts and earlier sanctions in this space,
// from GET /spaces/{id}/people/{user_id}), then asks what to do and for how
// long, and acts only when confirmed. The server checks every act anyway.

import { get, post } from "./api.js";
import { field, formError, h, onSubmit, select, stakeholderLabel, timeEl, uid } from "./dom.js";
import { lang, t, tx } from "./i18n.js";
import { ruleWords } from "./widgets.js";

const until = new Intl.DateTimeFormat(lang, { day: "numeric", month: "long", hour: "numeric", minute: "2-digit" });
const untilYear = new Intl.DateTimeFormat(lang, { day: "numeric", month: "long", year: "numeric", hour: "numeric", minute: "2-digit" });

/** "12 December, 14:00" in the reader's language and time zone (the year too
 * when it is not this one). */
export function endWords(iso) {
  const when = new Date(iso);
  return (when.getFullYear() === new Date().getFullYear() ? until : untilYear).format(when);
}

/** "until 12 December, 14:00", or "permanently" when it has no end. */
export function untilWords(iso) {
  return iso ? t("sanction.until", { when: endWords(iso) }) : t("sanction.permanently");
}

function sanctionLine(s) {
  const key = s.kind === "ban"
    ? (s.expires_at ? "person.sanction.ban.until" : "person.sanction.ban.forever")
    : (s.expires_at ? "person.sanction.mute.until" : "person.sanction.mute.forever");
  const vars = { when: timeEl(s.created_at), until: s.expires_at ? endWords(s.expires_at) : "", reason: s.reason };
  return h("li", {}, tx(key, vars), s.active ? [" ", t("person.sanction.inForce")] : null);
}

function card(person) {
  const u = person.user;
  const posts = person.recent_posts;
  const marks = (p) => [p.hidden && !p.pending && t("person.post.hidden"), p.pending && t("person.post.held"),
    p.deleted && t("person.post.deleted")].filter(Boolean).map((m) => ` · ${m}`);
  return h("div", { class: "person-card" },
    h("p", { class: "person-name" }, h("strong", { dir: "auto" }, u.display_name), " ",
      h("span", { class: "muted" }, `@${u.handle}`), " · ", stakeholderLabel(u.stakeholder_type)),
    h("p", { class: "muted small" }, tx("person.joined", { when: timeEl(person.member_since), count: person.posts_in_space })),
    h("h3", {}, t("person.latestPosts")),
    posts.length ? h("ul", { class: "person-posts" }, posts.map((p) => h("li", {},
      h("a", { href: `/topics/${p.topic_id}#post-${p.id}` }, p.topic_title), " · ", timeEl(p.created_at), marks(p),
      p.excerpt ? h("p", { class: "excerpt-text" }, p.excerpt) : null)))
      : h("p", { class: "muted" }, t("person.noPosts")),
    h("h3", {}, t("person.earlierSanctions")),
    person.sanctions.length ? h("ul", {}, person.sanctions.map(sanctionLine))
      : h("p", { class: "muted" }, t("person.noSanctions")));
}

function durations() {
  return [["3600", t("sanction.duration.hour")], ["86400", t("sanction.duration.day")],
    ["604800", t("sanction.duration.week")], ["2592000", t("sanction.duration.month")],
    ["", t("sanction.duration.lifted")]];
}

// The rules a moderator may name; their words are the logs' (widgets.js ruleWords).
function rules() {
  return [["", t("sanction.rule.none")], ...["spam", "abuse", "off_topic", "other"].map((r) => [r, ruleWords(r)])];
}

function doneWords(kind, name, expiresAt, hidden) {
  const key = expiresAt
    ? (kind === "ban" ? "sanction.done.ban.until" : "sanction.done.mute.until")
    : (kind === "ban" ? "sanction.done.ban.forever" : "sanction.done.mute.forever");
  const said = t(key, { name, when: expiresAt ? endWords(expiresAt) : "" });
  return hidden ? `${said} ${t("sanction.hiddenPosts", { count: hidden })}` : said;
}

/**
 * Opens the dialog for `userId` in `space` ({id, name, orgName?}).
 * `kind` preselects "mute" or "ban"; `opener` gets the focus back; `done(result)`
 * runs after a confirmed act; `announce(text)` says what happened.
 */
export function openSanctionDialog({ space, userId, kind = "ban", opener, done, announce }) {
  const titleId = uid("sanction-title");
  const dialog = h("dialog", { class: "sanction-dialog", "aria-labelledby": titleId });
  const title = h("h2", { id: titleId }, t("sanction.title"));
  const body = h("div", { class: "dialog-body" }, h("p", { class: "muted", role: "status" }, t("sanction.loading")));
  const cancel = h("button", { type: "button", onclick: () => dialog.close("cancel") }, t("sanction.cancel"));
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
    title.textContent = t("sanction.titleNamed", { name });
    const spaceName = h("strong", {}, space.name);
    const where = h("p", { class: "small" }, space.orgName
      ? tx("sanction.where", { space: spaceName, org: space.orgName })
      : tx("sanction.whereNoOrg", { space: spaceName }));
    if (person.staff) {
      body.replaceChildren(where, card(person),
        h("p", { class: "notice" }, t("sanction.staff", { name })),
        h("div", { class: "actions" }, cancel));
      cancel.focus();
      return;
    }
    const kindId = uid("kind");
    const kinds = h("fieldset", {}, h("legend", {}, t("sanction.whatToDo")),
      [["mute", t("sanction.kind.mute")], ["ban", t("sanction.kind.ban")]].map(([value, text]) => {
        const id = `${kindId}-${value}`;
        return h("div", { class: "radio" }, h("input", { type: "radio", name: "kind", value, id, checked: value === kind }), h("label", { for: id }, text));
      }));
    const hideId = uid("hideposts");
    const hideBox = h("div", { class: "radio" }, h("input", { type: "checkbox", name: "hide_posts", value: "1", id: hideId }),
      h("label", { for: hideId }, t("sanction.hidePosts", { name })));
    const confirm = h("button", { type: "submit", class: "danger" });
    const form = h("form", { class: "form" }, formError(), kinds,
      select({ label: t("sanction.duration"), name: "duration_seconds", options: durations(), value: "86400" }),
      select({ label: t("sanction.rule"), name: "rule", options: rules(), value: "" }),
      field({ label: t("sanction.reason", { name }), name: "reason", required: true, maxlength: 2000 }),
      hideBox,
      h("div", { class: "actions" }, confirm, cancel));
    const fit = () => {
      const chosen = form.elements.kind.value;
      hideBox.hidden = chosen !== "ban";
      confirm.textContent = chosen === "ban" ? t("sanction.confirm.ban", { name }) : t("sanction.confirm.mute", { name });
    };
    for (const radio of form.querySelectorAll("input[name=kind]")) radio.addEventListener("change", fit);
    fit();
    onSubmit(form, async (data) => {
      const payload = { user_id: userId, reason: data.reason };
      if (data.duration_seconds) payload.duration_seconds = Number(data.duration_seconds);
      if (data.rule) payload.rule = data.rule;
      if (data.kind === "ban") payload.hide_posts = Boolean(data.hide_posts);
      const res = await post(`/spaces/${space.id}/${data.kind === "ban" ? "bans" : "mutes"}`, payload);
      dialog.close("done");
      if (announce) announce(doneWords(data.kind, name, res.sanction.expires_at, res.hidden_posts));
      if (done) done(res);
    });
    body.replaceChildren(where, card(person), h("h3", {}, t("sanction.decision")), form);
    form.querySelector("input[name=kind]:checked").focus();
  })().catch((err) => {
    body.replaceChildren(h("p", { class: "form-error", role: "alert" }, err.message || String(err)),
      h("div", { class: "actions" }, cancel));
    cancel.focus();
  });
  return dialog;
}
