// Widgets and words that more than one page shows: the breadcrumb, the
// Verified mark, tier names and the upgrade hint of a 402, the names of
// moderation acts, the "please sign in" page. Pages import them from here,
// never from another page.

import { ApiError } from "./api.js";
import { h, humanize, plansLink } from "./dom.js";
import { has, t, tx } from "./i18n.js";

/** Items are [href or null, text, and optionally a node shown after it]. */
export function breadcrumb(items) {
  return h("nav", { "aria-label": t("widgets.breadcrumb"), class: "breadcrumb" },
    h("ol", {}, items.map(([href, text, after]) =>
      h("li", {}, href ? h("a", { href, dir: "auto" }, text) : h("span", { dir: "auto" }, text), after || null))));
}

/** The mark of an organization whose identity the platform confirmed (nothing
 * otherwise): a check and "Verified", or only the check where space is short
 * (`compact`); screen readers hear "Verified organization" either way. Names
 * may not contain check marks, so the mark cannot be faked in a name. */
export function verifiedBadge(org, { compact = false } = {}) {
  if (!org || !org.verified) return null;
  return h("span", { class: ["verified", compact && "compact"], title: t("widgets.verified.title") },
    h("span", { class: "verified-icon", "aria-hidden": "true" }, "✓"),
    compact ? h("span", { class: "visually-hidden" }, t("widgets.verified.long"))
      : [h("span", { "aria-hidden": "true" }, t("widgets.verified.short")),
        h("span", { class: "visually-hidden" }, t("widgets.verified.long"))]);
}

/** The organization's breadcrumb item, with its verified mark. */
export function orgCrumb(org) {
  return [`/orgs/${org.id}`, org.name, verifiedBadge(org, { compact: true })];
}

/** A tier's name as people read it ("free" → "Free", in the page's language). */
export const tierName = (tier) => (has(`tier.${tier}`) ? t(`tier.${tier}`) : humanize(tier || ""));

/** An error's message, with the tier that would allow the call when the
 * server names one (a 402's `required_tier`). */
export function tierMessage(err) {
  if (err instanceof ApiError && err.requiredTier) {
    return `${err.message} ${t("tiers.availableFrom", { tier: tierName(err.requiredTier) })}`;
  }
  return err.message;
}

/** The same as a node, with the link to the plans page a 402 always carries. */
export function tierNotice(err) {
  if (!(err instanceof ApiError && err.requiredTier)) return err.message;
  return [tierMessage(err), " ", plansLink(err.requiredTier)];
}


/** A moderation act of the audit and public logs, in words. */
export function actionWords(action) {
  return has(`act.${action}`) ? t(`act.${action}`) : t("act.other", { action: humanize(action.replace(/\./g, " ")) });
}

const RULE_KEYS = {
  spam: "sanction.rule.spam",
  abuse: "sanction.rule.abuse",
  off_topic: "sanction.rule.offTopic",
  other: "sanction.rule.other",
  flag_threshold: "sanction.rule.flagThreshold",
  premoderation: "sanction.rule.premoderation",
  word_filter: "sanction.rule.wordFilter",
};

/** A rule or a flag's reason, in words ("Off topic", "Word filter"). */
export function ruleWords(rule) {
  return RULE_KEYS[rule] ? t(RULE_KEYS[rule]) : humanize(rule);
}

const ROLE_KEYS = {
  moderator: "role.moderator",
  org_admin: "role.orgAdmin",
  platform_admin: "role.platformAdmin",
  system: "role.system",
};

/** Who acted in a log entry, by role ("a moderator", "the system (automatic)"). */
export function roleWords(role) {
  return ROLE_KEYS[role] ? t(ROLE_KEYS[role]) : humanize(role);
}

/** For pages only a signed-in person sees: answers true when someone is signed
 * in, and otherwise says so on the page (with a way back here after signing in). */
export function requireUser(ctx, what) {
  if (ctx.user) return true;
  ctx.title(what);
  const next = encodeURIComponent(location.pathname + location.search);
  ctx.main.append(
    h("h1", {}, what),
    h("p", {}, tx("widgets.signInNeeded", { link: h("a", { href: `/login?next=${next}` }, t("widgets.signInLink")) })),
  );
  return false;
}
