// An organization: its spaces for everyone; for its admins, the tier with
// entitlements and usage, opening spaces (with the tier gates explained from
// the entitlements the API returns), moderators and members, upgrade requests.

import { ApiError, del, get, post, serverHas } from "../api.js";
import {
  badge, carryInput, clear, field, formError, h, humanize, onSubmit, orgKindLabel, select, timeEl, uid,
} from "../dom.js";
import { breadcrumb, tierMessage, tierName, verifiedBadge } from "../widgets.js";

// Words for the entitlement names the API returns; an unknown name is shown
// as it comes. (Only words: which tier has what comes from the API.)
const LABELS = {
  discussions: "Threaded discussions, reactions, live updates, flags, basic moderation",
  private_spaces: "Private (members-only) spaces",
  polls: "Polls in topics",
  moderation_tools: "Word filter, pre-moderation queue, slow mode",
  export: "Export of a space (CSV and JSON)",
  analytics: "Analytics dashboard",
  // In the premium tier's definition, not built yet: said so, not promised as there.
  consensus_map: "Consensus map (not available yet)",
  integrations: "API tokens and signed webhooks (not available yet)",
  custom_branding: "Custom branding (not available yet)",
  public_spaces: "Public spaces",
  moderators_per_space: "Moderators per space",
};

export const label = (key) => LABELS[key] || humanize(key);

export function usageBar(name, quota) {
  const id = uid("quota");
  const limitText = quota.limit === null ? "unlimited" : String(quota.limit);
  const text = `${quota.usage} of ${limitText}`;
  const full = quota.limit !== null && quota.usage >= quota.limit;
  return h("div", { class: ["quota", full && "is-full"] },
    h("div", { class: "quota-label" }, h("span", { id }, label(name)), h("span", { class: "quota-value" }, text)),
    quota.limit === null
      ? h("p", { class: "muted small" }, "No limit on this tier.")
      : h("meter", { min: 0, max: quota.limit || 1, value: Math.min(quota.usage, quota.limit || 1),
        low: Math.max(0, (quota.limit || 1) - 1), high: quota.limit || 1, optimum: 0,
        "aria-labelledby": id, "aria-valuetext": text }, text),
  );
}

export default async function orgPage(ctx) {
  const orgId = ctx.params[0];
  let { org } = await get(`/orgs/${orgId}`, { signal: ctx.signal });
  const { spaces } = await get(`/orgs/${orgId}/spaces`, { signal: ctx.signal });
  ctx.title(org.name);

  const spaceList = h("ul", { class: "space-list" });
  const drawSpaces = () => {
    clear(spaceList);
    if (spaces.length === 0) spaceList.append(h("li", { class: "muted" }, "No space yet."));
    for (const s of spaces) {
      spaceList.append(h("li", {},
        h("a", { href: `/spaces/${s.id}` }, s.name),
        " ", s.visibility === "private" ? badge("Private", "private") : badge("Public", "public"),
        s.description ? h("p", { class: "muted small" }, s.description) : null));
    }
  };
  drawSpaces();

  const tierBadge = h("span", {});
  const drawTierBadge = () => clear(tierBadge, badge(`${tierName(org.tier)} tier`, `tier-${org.tier}`));
  drawTierBadge();

  ctx.main.append(
    breadcrumb([["/", "Home"], [null, org.name]]),
    h("header", { class: "page-head" },
      h("h1", {}, org.name, verifiedBadge(org)),
      h("p", { class: "muted" }, `${orgKindLabel(org.kind)} · ${org.country} · `, tierBadge),
    ),
    h("section", { "aria-labelledby": "spaces-h" }, h("h2", { id: "spaces-h" }, "Spaces"), spaceList),
  );

  if (!org.is_admin) return;

  // ---- administration ----------------------------------------------------------

  const admin = h("div", { class: "admin-grid" });
  ctx.main.append(h("h2", { class: "section-title" }, "Administration"), admin);

  const plan = h("section", { class: "card", "aria-labelledby": "plan-h" });
  const spaceForm = h("section", { class: "card", "aria-labelledby": "new-space-h" });
  const manage = h("section", { class: "card wide", "aria-labelledby": "manage-h" });
  const reports = h("section", { class: "card", "aria-labelledby": "reports-h" });
  admin.append(plan, spaceForm, reports, manage);

  const hasUpgrades = await serverHas("POST", "/orgs/{org_id}/upgrade-requests");
  const canListUpgrades = await serverHas("GET", "/orgs/{org_id}/upgrade-requests");
  const hasHistory = await serverHas("GET", "/orgs/{org_id}/tier-history");
  const hasSetTier = await serverHas("POST", "/admin/orgs/{org_id}/tier");
  const hasExport = await serverHas("GET", "/spaces/{space_id}/export");
  const hasAnalytics = await serverHas("GET", "/orgs/{org_id}/analytics");

  const reload = async () => {
    org = (await get(`/orgs/${orgId}`, { signal: ctx.signal })).org;
    drawTierBadge();
    await drawPlan();
    drawSpaceForm();
    drawReports();
  };
  // A decision on our request, or a tier change, arrives on the user channel.
  let reloadTimer = null;
  ctx.cleanup(() => clearTimeout(reloadTimer));
  const onUserEvent = (event) => {
    const msg = event.detail;
    const d = msg.data || {};
    const about = d.org_id ?? (d.upgrade_request && d.upgrade_request.org_id);
    if (about === orgId && (msg.name === "org.tier_changed" || msg.name === "upgrade_request.decided")) {
      clearTimeout(reloadTimer);
      reloadTimer = setTimeout(() => reload().catch(() => {}), 150);
    }
  };
  document.addEventListener("cps:user-event", onUserEvent);
  ctx.cleanup(() => document.removeEventListener("cps:user-event", onUserEvent));

  async function drawPlan() {
    const typed = new Map([...plan.querySelectorAll("form[data-key]")].map((f) => [f.dataset.key, f]));
    const ent = org.entitlements || { capabilities: {}, quotas: {} };
    const extra = [];
    if (hasUpgrades) extra.push(upgradeBox());
    if (hasHistory) extra.push(await historyBox());
    if (ctx.user && ctx.user.is_platform_admin && hasSetTier) extra.push(setTierBox());
    clear(plan,
      h("h3", { id: "plan-h" }, "Tier and usage"),
      h("p", {}, "Current tier: ", h("strong", {}, tierName(org.tier))),
      ...Object.entries(ent.quotas).map(([name, q]) => usageBar(name, q)),
      h("h4", {}, "Included in this tier"),
      h("ul", { class: "capabilities" }, Object.entries(ent.capabilities).map(([name, on]) =>
        h("li", { class: on ? "yes" : "no" },
          h("span", { class: "visually-hidden" }, on ? "Included: " : "Not included: "),
          h("span", { "aria-hidden": "true", class: "cap-mark" }, on ? "✓" : "—"), " ", label(name)))),
      ...extra,
    );
    for (const form of plan.querySelectorAll("form[data-key]")) carryInput(typed.get(form.dataset.key), form);
  }

  function upgradeBox() {
    const box = h("div", { class: "upgrade" }, h("h4", {}, "Upgrade requests"));
    const status = h("div", { class: "upgrade-status" });
    const tiers = [["plus", "Plus"], ["premium", "Premium"]].filter(([t]) => t !== org.tier && org.tier !== "premium");
    const form = h("form", { class: "form", "data-key": "upgrade" }, formError(),
      select({ label: "Tier to request", name: "tier", options: tiers, value: tiers.length ? tiers[0][0] : "" }),
      field({ label: "Note for the secretariat (optional)", name: "note", type: "textarea", rows: 2, maxlength: 2000 }),
      h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Request upgrade")));
    onSubmit(form, async (data) => {
      await post(`/orgs/${orgId}/upgrade-requests`, { tier: data.tier, note: data.note || "" });
      ctx.announce("Upgrade request sent to the secretariat.");
      form.reset();
      await showRequests();
    });
    async function showRequests() {
      if (!canListUpgrades) return;
      let requests = [];
      try {
        requests = (await get(`/orgs/${orgId}/upgrade-requests`, { signal: ctx.signal })).upgrade_requests;
      } catch (err) {
        if (err.name !== "AbortError") clear(status, h("p", { class: "form-error" }, err.message));
        return;
      }
      const open = requests.some((r) => r.status === "pending");
      form.hidden = open || tiers.length === 0;
      clear(status);
      if (open) status.append(h("p", { class: "notice" }, "A request is waiting for the secretariat's decision."));
      if (requests.length === 0) return;
      status.append(h("ul", { class: "requests" }, [...requests].reverse().map((r) => h("li", {},
        h("strong", {}, tierName(r.tier)), " · ", badge(humanize(r.status), r.status === "approved" ? "tier-plus" : r.status === "rejected" ? "locked" : ""),
        " · requested ", timeEl(r.created_at), ` by ${r.requested_by.display_name}`,
        r.note ? h("p", { class: "muted small" }, `Note: ${r.note}`) : null,
        r.decided_at ? h("p", { class: "small" }, "Decided ", timeEl(r.decided_at), r.decided_by ? ` by ${r.decided_by.display_name}` : "",
          r.reason ? `: “${r.reason}”` : "") : null))));
    }
    showRequests();
    if (tiers.length === 0) box.append(h("p", { class: "muted" }, "This organization has the highest tier."));
    box.append(form, status);
    return box;
  }

  async function historyBox() {
    const box = h("div", { class: "upgrade" }, h("h4", {}, "Tier history"));
    try {
      const { tier_changes: changes } = await get(`/orgs/${orgId}/tier-history`, { signal: ctx.signal });
      if (changes.length === 0) box.append(h("p", { class: "muted" }, "No change since the organization joined."));
      else box.append(h("ol", { class: "requests" }, [...changes].reverse().map((c) => h("li", {},
        `${tierName(c.from_tier)} → `, h("strong", {}, tierName(c.to_tier)), " · ", timeEl(c.created_at),
        ` by ${c.changed_by.display_name}`, c.reason ? h("p", { class: "muted small" }, c.reason) : null))));
    } catch (err) {
      if (err.name !== "AbortError") box.append(h("p", { class: "form-error" }, err.message));
    }
    return box;
  }

  function setTierBox() {
    const box = h("div", { class: "upgrade" }, h("h4", {}, "Set the tier (platform admin)"));
    const form = h("form", { class: "form", "data-key": "settier" }, formError(),
      select({ label: "Tier", name: "tier", options: [["free", "Free"], ["plus", "Plus"], ["premium", "Premium"]], value: org.tier }),
      field({ label: "Why (kept in the tier history)", name: "reason", required: true, maxlength: 2000, hint: "For example: paid offline, invoice 2024-17." }),
      h("div", { class: "actions" }, h("button", { type: "submit" }, "Set tier")));
    onSubmit(form, async (data) => {
      org = (await post(`/admin/orgs/${orgId}/tier`, { tier: data.tier, reason: data.reason })).org;
      ctx.announce(`${org.name} is now on the ${tierName(org.tier)} tier.`);
      await reload();
    });
    box.append(form);
    return box;
  }

  function drawSpaceForm() {
    const ent = org.entitlements || { capabilities: {}, quotas: {} };
    const privateOk = ent.capabilities.private_spaces !== false;
    const pub = ent.quotas.public_spaces;
    const pubFull = pub && pub.limit !== null && pub.usage >= pub.limit;
    const gateId = uid("gate");
    const quotaId = uid("quota-note");
    const gateNote = privateOk ? null : h("p", { class: "gate", id: gateId },
      `Private spaces are not included in the ${tierName(org.tier)} tier.`,
      hasUpgrades ? " Request a higher tier (under “Upgrade requests”) to unlock them." : "");
    const quotaNote = pubFull ? h("p", { class: "gate", id: quotaId },
      `All ${pub.limit} public spaces of the ${tierName(org.tier)} tier are in use.`) : null;
    const radio = (value, text, describedBy) => {
      const id = uid("vis");
      return h("div", { class: "radio" },
        h("input", { type: "radio", name: "visibility", value, id, checked: value === "public", "aria-describedby": describedBy }),
        h("label", { for: id }, text));
    };
    const form = h("form", { class: "form" }, formError(),
      field({ label: "Name", name: "name", required: true, maxlength: 200 }),
      field({ label: "Description", name: "description", type: "textarea", rows: 2, maxlength: 2000 }),
      h("fieldset", {}, h("legend", {}, "Who can read it"),
        radio("public", "Public: anyone can read", pubFull ? quotaId : null), quotaNote,
        radio("private", "Private: members only", privateOk ? null : gateId), gateNote),
      h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Open space")));
    onSubmit(form, async (data) => {
      let res;
      try {
        res = await post(`/orgs/${orgId}/spaces`, { name: data.name, description: data.description || "", visibility: data.visibility });
      } catch (err) {
        if (err instanceof ApiError && err.status === 402) {
          err.message = tierMessage(err);
          if (err.fields === null) err.fields = { visibility: err.message };
        }
        throw err;
      }
      spaces.push(res.space);
      drawSpaces();
      ctx.announce(`Space ${res.space.name} opened.`);
      await reload();
      drawManage();
    });
    carryInput(spaceForm.querySelector("form"), form);
    clear(spaceForm, h("h3", { id: "new-space-h" }, "Open a space"), form);
  }

  function peopleEditor(space, kind) {
    // kind: "moderators" | "members"
    const title = kind === "moderators" ? "Moderators" : "Members";
    const list = h("ul", { class: "people" });
    const err = h("p", { class: "form-error", role: "alert", hidden: true });
    const draw = async () => {
      try {
        const { members } = await get(`/spaces/${space.id}/${kind}`, { signal: ctx.signal });
        clear(list);
        if (members.length === 0) list.append(h("li", { class: "muted" }, kind === "moderators" ? "No moderator yet." : "No member yet."));
        for (const m of members) {
          list.append(h("li", {},
            h("span", {}, `${m.user.display_name} (user ${m.user.id})`),
            h("button", { type: "button", class: "linklike", "aria-label": `Remove ${m.user.display_name} from the ${kind}`, onclick: async () => {
              err.hidden = true;
              try {
                await del(`/spaces/${space.id}/${kind}/${m.user.id}`);
                ctx.announce(`${m.user.display_name} removed.`);
                await draw();
                await reload();
              } catch (e) {
                err.textContent = tierMessage(e);
                err.hidden = false;
              }
            } }, "Remove")));
        }
      } catch (e) {
        if (e.name === "AbortError") return;
        clear(list, h("li", { class: "form-error" }, e.message));
      }
    };
    const form = h("form", { class: "form inline" }, formError(),
      field({ label: `Add ${kind === "moderators" ? "a moderator" : "a member"} by user id`, name: "user_id", type: "number", min: 1, required: true, inputmode: "numeric",
        hint: "People find their user id on their profile page." }),
      h("div", { class: "actions" }, h("button", { type: "submit" }, "Add")));
    onSubmit(form, async (data) => {
      try {
        await post(`/spaces/${space.id}/${kind}`, { user_id: Number(data.user_id) });
      } catch (e) {
        if (e instanceof ApiError && e.status === 402) {
          e.message = tierMessage(e);
          if (!e.fields) e.fields = { user_id: e.message };
        }
        throw e;
      }
      form.reset();
      ctx.announce(`Added to the ${kind}.`);
      await draw();
      await reload();
    });
    draw();
    return h("div", { class: "people-box" }, h("h4", {}, title), list, err, form);
  }

  function drawManage() {
    clear(manage, h("h3", { id: "manage-h" }, "Moderators and members"));
    if (spaces.length === 0) {
      manage.append(h("p", { class: "muted" }, "Open a space first."));
      return;
    }
    for (const s of spaces) {
      const details = h("details", { class: "space-admin" },
        h("summary", {}, s.name, " ", s.visibility === "private" ? badge("Private", "private") : badge("Public", "public")));
      let filled = false;
      details.addEventListener("toggle", () => {
        if (!details.open || filled) return;
        filled = true;
        details.append(peopleEditor(s, "moderators"));
        if (s.visibility === "private") details.append(peopleEditor(s, "members"));
      });
      manage.append(details);
    }
  }

  // Exports and analytics: links when the tier includes them, explained otherwise.
  function drawReports() {
    const ent = org.entitlements || { capabilities: {} };
    const gate = (what) => h("p", { class: "gate", id: uid("gate") },
      `${what} is not included in the ${tierName(org.tier)} tier.`,
      hasUpgrades ? " Request a higher tier (under “Upgrade requests”) to unlock it." : "");
    const parts = [h("h3", { id: "reports-h" }, "Reports")];
    if (hasAnalytics) {
      parts.push(h("h4", {}, "Analytics"));
      if (ent.capabilities.analytics) {
        parts.push(h("p", {}, h("a", { href: `/orgs/${orgId}?view=analytics` }, "Open the analytics dashboard"),
          ": participation over time, stakeholder mix, response times."));
      } else {
        parts.push(gate("The analytics dashboard"));
      }
    }
    if (hasExport) {
      parts.push(h("h4", {}, "Export a space"));
      if (!ent.capabilities.export) {
        const note = gate("Export");
        parts.push(h("button", { type: "button", disabled: true, "aria-describedby": note.id }, "Export"), note);
      } else if (spaces.length === 0) {
        parts.push(h("p", { class: "muted" }, "Open a space first."));
      } else {
        parts.push(h("p", { class: "muted small" }, "Every topic and post, to open in a spreadsheet (CSV) or a program (JSON)."),
          h("ul", { class: "exports" }, spaces.map((s) => h("li", {},
            h("span", {}, s.name), " ",
            ["csv", "json"].map((fmt) => [h("a", {
              href: `/api/v1/spaces/${s.id}/export?format=${fmt}`, download: "",
              "aria-label": `Download ${s.name} as ${fmt.toUpperCase()}`,
            }, fmt.toUpperCase()), " "])))));
      }
    }
    clear(reports, ...parts);
    reports.hidden = !hasAnalytics && !hasExport;
  }

  await drawPlan();
  drawSpaceForm();
  drawReports();
  drawManage();
}
