// The plans side by side (/plans): every capability and quota of the
// entitlement table for free, plus and premium, with the prices the platform
// set ("On request" otherwise), and, for an organization's admin, the way to
// ask for a higher tier right there. A 402 anywhere links here with the tier it
// needs (?tier=premium) and, when the page knew it, the organization (?org=).

import { get, post } from "../api.js";
import { clear, field, formError, h, onSubmit } from "../dom.js";
import { has, relativeTime, t } from "../i18n.js";
import { tierName } from "../widgets.js";

const TIERS = ["free", "plus", "premium"];

/** A capability's or quota's name in the page's language (the server's English
 * label for one the catalogue does not know yet). */
function rowName(kind, row) {
  const key = `plans.${kind}.${row.name}`;
  return has(key) ? t(key) : row.label;
}

function cell(capability) {
  if (!capability.built) return [h("span", { class: "plan-mark", "aria-hidden": "true" }, "–"), " ", t("plans.notBuilt")];
  return capability.included
    ? [h("span", { class: "plan-mark plan-yes", "aria-hidden": "true" }, "✓"), " ", t("plans.included")]
    : [h("span", { class: "plan-mark", "aria-hidden": "true" }, "–"), " ", t("plans.notIncluded")];
}

function comparison(plans, needed) {
  // Explicit roles: on a phone the rows are laid out as grids (the feature's
  // name above its three values), and the table must stay a table to screen readers.
  const col = (tier) => ({ class: tier === needed ? "plan-needed" : null });
  const byTier = new Map(plans.map((p) => [p.tier, p]));
  const row = (name, values) => h("tr", { role: "row" }, h("th", { scope: "row", role: "rowheader" }, name),
    TIERS.map((tier, i) => h("td", { role: "cell", ...col(tier) }, values[i])));
  const first = plans[0];
  return h("div", { class: "table-wrap" }, h("table", { class: "plans-table", role: "table" },
    h("caption", { class: "visually-hidden" }, t("plans.caption")),
    h("thead", { role: "rowgroup" }, h("tr", { role: "row" }, h("th", { scope: "col", role: "columnheader" }, t("plans.feature")),
      TIERS.map((tier) => h("th", { scope: "col", role: "columnheader", ...col(tier) }, tierName(tier),
        tier === needed ? h("span", { class: "badge plan-needed-badge" }, t("plans.needed")) : null)))),
    h("tbody", { role: "rowgroup" },
      row(t("plans.price"), TIERS.map((tier) => byTier.get(tier).price || t("plans.onRequest"))),
      first.quotas.map((q, i) => row(rowName("quota", q), TIERS.map((tier) => {
        const limit = byTier.get(tier).quotas[i].limit;
        return limit === null ? t("plans.unlimited") : String(limit);
      }))),
      first.capabilities.map((c, i) => row(rowName("capability", c),
        TIERS.map((tier) => cell(byTier.get(tier).capabilities[i])))))));
}

/** The request form of one organization, or why there is none. */
async function requestArea(ctx, org, wanted, area) {
  const { upgrade_requests: requests } = await get(`/orgs/${org.id}/upgrade-requests`, { signal: ctx.signal });
  const pending = requests.find((r) => r.status === "pending");
  const higher = TIERS.slice(TIERS.indexOf(org.tier) + 1);
  if (pending) {
    clear(area, h("p", { class: "notice", role: "status" }, t("plans.request.pending",
      { org: org.name, tier: tierName(pending.tier), when: relativeTime(pending.created_at) })));
    return;
  }
  if (higher.length === 0) {
    clear(area, h("p", {}, t("plans.request.top", { org: org.name })));
    return;
  }
  const chosen = higher.includes(wanted) ? wanted : higher[0];
  const form = h("form", { class: "form" }, formError(),
    h("p", {}, t("plans.request.current", { org: org.name, tier: tierName(org.tier) })),
    h("fieldset", { class: "field" }, h("legend", {}, t("plans.request.tier")),
      higher.map((tier) => h("div", { class: "radio" },
        h("input", { type: "radio", name: "tier", value: tier, id: `plan-tier-${tier}`, checked: tier === chosen }),
        h("label", { for: `plan-tier-${tier}` }, tierName(tier))))),
    field({ label: t("plans.request.note"), name: "note", control: h("textarea", { rows: 3, maxlength: 2000 }) }),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, t("plans.request.submit"))));
  onSubmit(form, async (data) => {
    await post(`/orgs/${org.id}/upgrade-requests`, { tier: data.tier, note: data.note || "" });
    ctx.announce(t("plans.request.sent", { org: org.name, tier: tierName(data.tier) }));
    await requestArea(ctx, org, wanted, area);
    area.querySelector("p").setAttribute("tabindex", "-1");
    area.querySelector("p").focus();
  });
  clear(area, form);
}

async function requestSection(ctx, wanted) {
  const section = h("section", { class: "card", "aria-labelledby": "request-h" },
    h("h2", { id: "request-h" }, t("plans.request.heading")));
  if (!ctx.user) {
    const next = encodeURIComponent(location.pathname + location.search);
    section.append(h("p", {}, h("a", { href: `/login?next=${next}` }, t("plans.request.signIn"))));
    return section;
  }
  const { orgs } = await get("/orgs", { signal: ctx.signal });
  const mine = orgs.filter((o) => o.is_admin)
    .sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
  if (mine.length === 0) {
    section.append(h("p", {}, t("plans.request.notAdmin")));
    return section;
  }
  const asked = Number(ctx.query.get("org"));
  let org = mine.find((o) => o.id === asked) || mine[0];
  const area = h("div", {});
  if (mine.length > 1) {
    const picker = h("select", {}, mine.map((o) => h("option", { value: o.id, selected: o === org }, o.name)));
    picker.addEventListener("change", () => {
      org = mine.find((o) => o.id === Number(picker.value));
      requestArea(ctx, org, wanted, area).catch((err) => {
        if (err.name !== "AbortError") clear(area, h("p", { class: "form-error", role: "alert" }, err.message));
      });
    });
    section.append(field({ label: t("plans.request.org"), name: "org", control: picker }));
  }
  section.append(area);
  await requestArea(ctx, org, wanted, area);
  // The platform's answer arrives on the person's own channel: show it here too.
  const onEvent = (event) => {
    const msg = event.detail;
    const changed = msg.data && (msg.data.org_id || (msg.data.upgrade_request || {}).org_id);
    if (changed !== org.id || !["org.tier_changed", "upgrade_request.decided"].includes(msg.name)) return;
    if (msg.name === "org.tier_changed") org = { ...org, tier: msg.data.tier_change.to_tier };
    requestArea(ctx, org, wanted, area).catch(() => {});
  };
  document.addEventListener("cps:user-event", onEvent);
  ctx.cleanup(() => document.removeEventListener("cps:user-event", onEvent));
  return section;
}

export default async function plansPage(ctx) {
  ctx.title(t("plans.title"));
  const wanted = TIERS.includes(ctx.query.get("tier")) ? ctx.query.get("tier") : null;
  const { plans } = await get("/plans", { signal: ctx.signal });
  ctx.main.append(...[
    h("header", { class: "page-head" },
      h("h1", {}, t("plans.title")),
      h("p", { class: "lede" }, t("plans.lede"))),
    wanted ? h("p", { class: "notice" }, t("plans.neededNote", { tier: tierName(wanted) })) : null,
    h("section", { class: "card", "aria-labelledby": "compare-h" },
      h("h2", { id: "compare-h" }, t("plans.compare")),
      comparison(plans, wanted)),
    await requestSection(ctx, wanted)].filter(Boolean));
}
