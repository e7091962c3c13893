// The profile's "Notifications" card: what the person is told, in the page and by
// email (GET/PATCH /me/preferences): email off, at once or as a digest; the digest
// daily or weekly; each kind in the page and by email; a language tag.

import { get, patch } from "./api.js";
import { formError, h, onSubmit, select, field } from "./dom.js";

export const KIND_WORDS = {
  reply: "Replies to your posts",
  mention: "Mentions of you (@handle)",
  watched_post: "New posts in topics and spaces you watch",
  question_status: "Changes to questions you asked or watch",
  flag_outcome: "Outcomes of your flags",
  appeal_answer: "Answers to your appeals",
  moderation: "Moderators' acts on your posts",
  tier_decision: "Tier decisions for organizations you administer",
};

/** The card; it reads the preferences itself, and says so if it cannot. */
export async function notificationPrefsCard(ctx) {
  const prefs = await get("/me/preferences", { signal: ctx.signal });
  const rows = Object.keys(KIND_WORDS).filter((kind) => kind in prefs.kinds).map((kind) => {
    const choice = prefs.kinds[kind];
    const words = KIND_WORDS[kind];
    return h("tr", {},
      h("th", { scope: "row" }, words),
      h("td", {}, h("input", { type: "checkbox", name: `web:${kind}`, checked: choice.web, "aria-label": `${words}: in the page` })),
      h("td", {}, h("input", { type: "checkbox", name: `email:${kind}`, checked: choice.email, "aria-label": `${words}: by email` })));
  });
  const form = h("form", { class: "form notification-prefs" }, formError(),
    select({ label: "Email me", name: "email", value: prefs.email, options: [
      ["off", "Never"], ["immediate", "At once, if I have not read it in 10 minutes"],
      ["digest", "In a digest"]] }),
    select({ label: "Digest", name: "digest", value: prefs.digest, options: [
      ["daily", "Daily"], ["weekly", "Weekly"]] }),
    h("div", { class: "table-scroll" }, h("table", { class: "prefs-table" },
      h("caption", { class: "visually-hidden" }, "Each kind of notification, in the page and by email"),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Kind"),
        h("th", { scope: "col" }, "In the page"), h("th", { scope: "col" }, "By email"))),
      h("tbody", {}, rows))),
    field({ label: "Language (optional)", name: "locale", value: prefs.locale || "", maxlength: 35,
      autocomplete: "off", spellcheck: "false", hint: "A language tag such as ko, en-GB or es-419." }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Save notification settings")));
  onSubmit(form, async (data) => {
    const kinds = {};
    for (const kind of Object.keys(prefs.kinds)) {
      kinds[kind] = { web: data[`web:${kind}`] === "on", email: data[`email:${kind}`] === "on" };
    }
    const locale = (data.locale || "").trim();
    const saved = await patch("/me/preferences", {
      email: data.email, digest: data.digest, kinds, locale: locale || null });
    Object.assign(prefs, saved);
    ctx.announce("Your notification settings are saved.");
  });
  return h("section", { class: "card", "aria-labelledby": "notification-prefs-h" },
    h("h2", { id: "notification-prefs-h" }, "Notifications"),
    h("p", {}, "What you are told, in the page and by email. ",
      h("a", { href: "/notifications" }, "See your notifications"), "."),
    form);
}
