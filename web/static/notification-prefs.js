// The profile's "Notifications" card: what the person is told, in the page and by
// email (GET/PATCH /me/preferences): email off, at once or as a digest; the digest
// daily or weekly; each kind in the page and by email; a language tag.

import { get, patch } from "./api.js";
import { formError, h, onSubmit, select, field } from "./dom.js";
import { t } from "./i18n.js";

export const KIND_WORDS = {
  reply: t("acct.repliesToYourPosts"),
  mention: t("acct.mentionsOfYouHandle"),
  watched_post: t("acct.newPostsInTopics"),
  question_status: t("acct.changesToQuestionsYou"),
  flag_outcome: t("acct.outcomesOfYourFlags"),
  appeal_answer: t("acct.answersToYourAppeals"),
  moderation: t("acct.moderatorsActsOnYour"),
  tier_decision: t("acct.tierDecisionsForOrganizations"),
};

/** The card; it reads the preferences itself, and says so if it cannot. */
export async function notificationPrefsCard(ctx) {
  const prefs = await get("/me/preferences", { signal: ctx.signal });
  const rows = Object.keys(KIND_WORDS).filter((kind) => kind in prefs.kinds).map((kind) => {
    const choice = prefs.kinds[kind];
    const words = KIND_WORDS[kind];
    return h("tr", {},
      h("th", { scope: "row" }, words),
      h("td", {}, h("input", { type: "checkbox", name: `web:${kind}`, checked: choice.web, "aria-label": t("prefs.inPageFor", { kind: words }) })),
      h("td", {}, h("input", { type: "checkbox", name: `email:${kind}`, checked: choice.email, "aria-label": t("prefs.byEmailFor", { kind: words }) })));
  });
  const form = h("form", { class: "form notification-prefs" }, formError(),
    select({ label: t("acct.emailMe"), name: "email", value: prefs.email, options: [
      ["off", t("acct.never")], ["immediate", t("acct.atOnceIfI")],
      ["digest", t("acct.inADigest")]] }),
    select({ label: t("acct.digest"), name: "digest", value: prefs.digest, options: [
      ["daily", t("acct.daily")], ["weekly", t("acct.weekly")]] }),
    h("div", { class: "table-scroll" }, h("table", { class: "prefs-table" },
      h("caption", { class: "visually-hidden" }, t("acct.eachKindOfNotification")),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("acct.kind")),
        h("th", { scope: "col" }, t("acct.inThePage")), h("th", { scope: "col" }, t("acct.byEmail")))),
      h("tbody", {}, rows))),
    field({ label: t("acct.languageOptional"), name: "locale", value: prefs.locale || "", maxlength: 35,
      autocomplete: "off", spellcheck: "false", hint: t("acct.aLanguageTagSuch") }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("acct.saveNotificationSettings"))));
  onSubmit(form, async (data) => {
    const kinds = {};
    for (const kind of Object.keys(prefs.kinds)) {
      kinds[kind] = { web: data[`web:${kind}`] === "on", email: data[`email:${kind}`] === "on" };
    }
    const locale = (data.locale || "").trim();
    const saved = await patch("/me/preferences", {
      email: data.email, digest: data.digest, kinds, locale: locale || null });
    Object.assign(prefs, saved);
    ctx.announce(t("acct.yourNotificationSettingsAre"));
  });
  return h("section", { class: "card", "aria-labelledby": "notification-prefs-h" },
    h("h2", { id: "notification-prefs-h" }, t("toasts.label")),
    h("p", {}, t("acct.whatYouAreTold"),
      h("a", { href: "/notifications" }, t("acct.seeYourNotifications")), "."),
    form);
}
