// An organization: its spaces, its officials and how fast it answers, for
// everyone; for its admins, naming and removing officials, the tier with
// entitlements and usage, opening spaces (with the tier gates explained from
// the entitlements the API returns), moderators and members, upgrade requests.

import { dateWords } from "../accountability.js";
import { ApiError, del, get, post, serverHas } from "../api.js";
import {
  badge, carryInput, clear, field, formError, h, humanize, onSubmit, orgKindLabel, plansLink, select, timeEl, uid,
} from "../dom.js";
import { t } from "../i18n.js";
import { chosenId, personPicker } from "../people.js";
import { breadcrumb, tierMessage, tierName, tierNotice, verifiedBadge } from "../widgets.js";

// Words for the entitlement names the API returns; an unknown name is shown
// as it comes. (Only words: which tier has what comes from the API.)
const LABELS = {
  discussions: "Threaded discussions, reactions, live updates, flags, basic moderation",
  private_spaces: "Private (members-only) spaces",
  polls: "Polls in topics",
  moderation_tools: "Word filter, pre-moderation queue, slow mode",
  export: "Export of a space (CSV and JSON)",
  analytics: "Analytics dashboard",
  consensus_map: "Consensus map of opinion groups in topics",
  // In the premium tier's definition, not built yet: said so, not promised as there.
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
  const { org } = await get(`/orgs/${orgId}`, { signal: ctx.signal });
  const { spaces } = await get(`/orgs/${orgId}/spaces`, { signal: ctx.signal });
  ctx.title(org.name);
  // What the page and its administration share; `org` is replaced on reload.
  const A = { ctx, orgId, org, spaces };

  const spaceList = h("ul", { class: "space-list" });
  A.drawSpaces = () => {
    clear(spaceList);
    if (spaces.length === 0) spaceList.append(h("li", { class: "muted" }, "No space yet."));
    for (const s of spaces) {
      spaceList.append(h("li", {},
        h("a", { href: `/spaces/${s.id}` }, s.name),
        " ", s.visibility === "private" ? badge("Private", "private") : badge("Public", "public"),
        s.description ? h("p", { class: "muted small" }, s.description) : null));
    }
  };
  A.drawSpaces();

  const tierBadge = h("span", {});
  A.drawTierBadge = () => clear(tierBadge, badge(`${tierName(A.org.tier)} tier`, `tier-${A.org.tier}`));
  A.drawTierBadge();

  const hasReport = await serverHas("GET", "/orgs/{org_id}/responsiveness");
  ctx.main.append(
    breadcrumb([["/", "Home"], [null, org.name]]),
    h("header", { class: "page-head" },
      h("h1", {}, org.name, verifiedBadge(org)),
      h("p", { class: "muted" }, `${orgKindLabel(org.kind)} · ${org.country} · `, tierBadge),
      hasReport ? h("p", {}, h("a", { href: `/orgs/${org.id}?view=responsiveness` }, `How fast ${org.name} answers questions`),
        ": asked, answered, within target, overdue.") : null,
    ),
    h("section", { "aria-labelledby": "spaces-h" }, h("h2", { id: "spaces-h" }, "Spaces"), spaceList),
  );
  if (await serverHas("GET", "/orgs/{org_id}/officials")) ctx.main.append(officialsSection(A));

  if (org.is_admin) await administration(A);
}

// ---- officials ----------------------------------------------------------------

/** Who answers in the organization's name (public); its admins name and remove
 * them, choosing each person by name or handle (../people.js). */
function officialsSection(A) {
  const { ctx, orgId, org } = A;
  const list = h("ul", { class: "people officials" });
  const err = h("p", { class: "form-error", role: "alert", hidden: true });
  const draw = async () => {
    let officials;
    try {
      ({ officials } = await get(`/orgs/${orgId}/officials`, { signal: ctx.signal }));
    } catch (e) {
      if (e.name !== "AbortError") clear(list, h("li", { class: "form-error" }, e.message));
      return;
    }
    clear(list);
    if (officials.length === 0) list.append(h("li", { class: "muted" }, "No official named yet."));
    for (const o of officials) {
      list.append(h("li", {},
        h("span", {}, h("span", { class: "official-name" }, o.user.display_name), " ",
          h("span", { class: "muted small" }, `since ${dateWords(o.created_at)}`)),
        org.is_admin ? h("button", { type: "button", class: "linklike", "aria-label": `Remove ${o.user.display_name} from the officials`,
          onclick: async (event) => {
            const button = event.currentTarget;
            button.disabled = true;
            err.hidden = true;
            try {
              await del(`/orgs/${orgId}/officials/${o.user.id}`);
              ctx.announce(`${o.user.display_name} is no longer an official.`);
              await draw();
              list.querySelector("button")?.focus();
            } catch (e) {
              err.textContent = e.message;
              err.hidden = false;
              button.disabled = false;
            }
          } }, "Remove") : null));
    }
  };
  let form = null;
  if (org.is_admin) {
    form = h("form", { class: "form inline" }, formError(),
      personPicker({ label: t("org.officials.name"), signal: ctx.signal, hint: t("org.officials.nameHint") }),
      h("div", { class: "actions" }, h("button", { type: "submit" }, "Name official")));
    onSubmit(form, async (data) => {
      const { official } = await post(`/orgs/${orgId}/officials`, { user_id: chosenId(data) });
      form.querySelector(".person-picker").reset();
      ctx.announce(`${official.user.display_name} is now an official of ${org.name}.`);
      await draw();
    });
  }
  draw();
  return h("section", { "aria-labelledby": "officials-h", class: "officials-section" },
    h("h2", { id: "officials-h" }, "Officials"),
    h("p", { class: "muted" }, `They answer in the name of ${org.name}: their posts in its spaces are marked “Official”.`),
    list, err, form);
}

// ---- administration ----------------------------------------------------------

/** For the organization's admins: tier and usage, opening spaces, moderators
 * and members, reports. */
async function administration(A) {
  const { ctx, orgId } = A;
  const admin = h("div", { class: "admin-grid" });
  ctx.main.append(h("h2", { class: "section-title" }, "Administration"), admin);

  A.plan = h("section", { class: "card", "aria-labelledby": "plan-h" });
  A.spaceForm = h("section", { class: "card", "aria-labelledby": "new-space-h" });
  A.manage = h("section", { class: "card wide", "aria-labelledby": "manage-h" });
  A.reports = h("section", { class: "card", "aria-labelledby": "reports-h" });
  admin.append(A.plan, A.spaceForm, A.reports, A.manage);

  A.has = {
    upgrades: await serverHas("POST", "/orgs/{org_id}/upgrade-requests"),
    listUpgrades: await serverHas("GET", "/orgs/{org_id}/upgrade-requests"),
    history: await serverHas("GET", "/orgs/{org_id}/tier-history"),
    setTier: await serverHas("POST", "/admin/orgs/{org_id}/tier"),
    export: await serverHas("GET", "/spaces/{space_id}/export"),
    analytics: await serverHas("GET", "/orgs/{org_id}/analytics"),
  };

  A.reload = async () => {
    A.org = (await get(`/orgs/${orgId}`, { signal: ctx.signal })).org;
    A.drawTierBadge();
    await drawPlan(A);
    drawSpaceForm(A);
    drawReports(A);
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
      reloadTimer = setTimeout(() => A.reload().catch(() => {}), 150);
    }
  };
  document.addEventListener("cps:user-event", onUserEvent);
  ctx.cleanup(() => document.removeEventListener("cps:user-event", onUserEvent));

  await drawPlan(A);
  drawSpaceForm(A);
  drawReports(A);
  drawManage(A);
}

async function drawPlan(A) {
  const typed = new Map([...A.plan.querySelectorAll("form[data-key]")].map((f) => [f.dataset.key, f]));
  const ent = A.org.entitlements || { capabilities: {}, quotas: {} };
  const extra = [];
  if (A.has.upgrades) extra.push(upgradeBox(A));
  if (A.has.history) extra.push(await historyBox(A));
  if (A.ctx.user && A.ctx.user.is_platform_admin && A.has.setTier) extra.push(setTierBox(A));
  clear(A.plan,
    h("h3", { id: "plan-h" }, "Tier and usage"),
    h("p", {}, "Current tier: ", h("strong", {}, tierName(A.org.tier)), " · ",
      h("a", { href: `/plans?org=${A.orgId}` }, t("tiers.comparePlans"))),
    ...Object.entries(ent.quotas).map(([name, q]) => usageBar(name, q)),
    h("h4", {}, "Included in this tier"),
    h("ul", { class: "capabilities" }, Object.entries(ent.capabilities).map(([name, on]) =>
      h("li", { class: on ? "yes" : "no" },
        h("span", { class: "visually-hidden" }, on ? "Included: " : "Not included: "),
        h("span", { "aria-hidden": "true", class: "cap-mark" }, on ? "✓" : "—"), " ", label(name)))),
    ...extra,
  );
  for (const form of A.plan.querySelectorAll("form[data-key]")) carryInput(typed.get(form.dataset.key), form);
}

function upgradeBox(A) {
  const box = h("div", { class: "upgrade" }, h("h4", {}, "Upgrade requests"));
  const status = h("div", { class: "upgrade-status" });
  const tiers = [["plus", "Plus"], ["premium", "Premium"]].filter(([t]) => t !== A.org.tier && A.org.tier !== "premium");
  const form = h("form", { class: "form", "data-key": "upgrade" }, formError(),
    select({ label: "Tier to request", name: "tier", options: tiers, value: tiers.length ? tiers[0][0] : "" }),
    field({ label: "Note for the secretariat (optional)", name: "note", type: "textarea", rows: 2, maxlength: 2000 }),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Request upgrade")));
  onSubmit(form, async (data) => {
    await post(`/orgs/${A.orgId}/upgrade-requests`, { tier: data.tier, note: data.note || "" });
    A.ctx.announce("Upgrade request sent to the secretariat.");
    form.reset();
    await showRequests();
  });
  async function showRequests() {
    if (!A.has.listUpgrades) return;
    let requests = [];
    try {
      requests = (await get(`/orgs/${A.orgId}/upgrade-requests`, { signal: A.ctx.signal })).upgrade_requests;
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

async function historyBox(A) {
  const box = h("div", { class: "upgrade" }, h("h4", {}, "Tier history"));
  try {
    const { tier_changes: changes } = await get(`/orgs/${A.orgId}/tier-history`, { signal: A.ctx.signal });
    if (changes.length === 0) box.append(h("p", { class: "muted" }, "No change since the organization joined."));
    else box.append(h("ol", { class: "requests" }, [...changes].reverse().map((c) => h("li", {},
      `${tierName(c.from_tier)} → `, h("strong", {}, tierName(c.to_tier)), " · ", timeEl(c.created_at),
      ` by ${c.changed_by.display_name}`, c.reason ? h("p", { class: "muted small" }, c.reason) : null))));
  } catch (err) {
    if (err.name !== "AbortError") box.append(h("p", { class: "form-error" }, err.message));
  }
  return box;
}

function setTierBox(A) {
  const box = h("div", { class: "upgrade" }, h("h4", {}, "Set the tier (platform admin)"));
  const form = h("form", { class: "form", "data-key": "settier" }, formError(),
    select({ label: "Tier", name: "tier", options: [["free", "Free"], ["plus", "Plus"], ["premium", "Premium"]], value: A.org.tier }),
    field({ label: "Why (kept in the tier history)", name: "reason", required: true, maxlength: 2000, hint: "For example: paid offline, invoice 2024-17." }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Set tier")));
  onSubmit(form, async (data) => {
    A.org = (await post(`/admin/orgs/${A.orgId}/tier`, { tier: data.tier, reason: data.reason })).org;
    A.ctx.announce(`${A.org.name} is now on the ${tierName(A.org.tier)} tier.`);
    await A.reload();
  });
  box.append(form);
  return box;
}

function drawSpaceForm(A) {
  const ent = A.org.entitlements || { capabilities: {}, quotas: {} };
  const privateOk = ent.capabilities.private_spaces !== false;
  const pub = ent.quotas.public_spaces;
  const pubFull = pub && pub.limit !== null && pub.usage >= pub.limit;
  const gateId = uid("gate");
  const quotaId = uid("quota-note");
  const gateNote = privateOk ? null : h("p", { class: "gate", id: gateId },
    `Private spaces are not included in the ${tierName(A.org.tier)} tier.`,
    A.has.upgrades ? " Request a higher tier (under “Upgrade requests”) to unlock them." : "", " ", plansLink(null, A.orgId));
  const quotaNote = pubFull ? h("p", { class: "gate", id: quotaId },
    `All ${pub.limit} public spaces of the ${tierName(A.org.tier)} tier are in use. `, plansLink(null, A.orgId)) : null;
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
      res = await post(`/orgs/${A.orgId}/spaces`, { name: data.name, description: data.description || "", visibility: data.visibility });
    } catch (err) {
      if (err instanceof ApiError && err.status === 402) {
        err.message = tierMessage(err);
        if (err.fields === null) err.fields = { visibility: err.message };
      }
      throw err;
    }
    A.spaces.push(res.space);
    A.drawSpaces();
    A.ctx.announce(`Space ${res.space.name} opened.`);
    await A.reload();
    drawManage(A);
  });
  carryInput(A.spaceForm.querySelector("form"), form);
  clear(A.spaceForm, h("h3", { id: "new-space-h" }, "Open a space"), form);
}

function peopleEditor(A, space, kind) {
  // kind: "moderators" | "members"
  const title = kind === "moderators" ? "Moderators" : "Members";
  const list = h("ul", { class: "people" });
  const err = h("p", { class: "form-error", role: "alert", hidden: true });
  const draw = async () => {
    try {
      const { members } = await get(`/spaces/${space.id}/${kind}`, { signal: A.ctx.signal });
      clear(list);
      if (members.length === 0) list.append(h("li", { class: "muted" }, kind === "moderators" ? "No moderator yet." : "No member yet."));
      for (const m of members) {
        list.append(h("li", {},
          h("span", {}, `${m.user.display_name} (user ${m.user.id})`),
          h("button", { type: "button", class: "linklike", "aria-label": `Remove ${m.user.display_name} from the ${kind}`, onclick: async () => {
            err.hidden = true;
            try {
              await del(`/spaces/${space.id}/${kind}/${m.user.id}`);
              A.ctx.announce(`${m.user.display_name} removed.`);
              await draw();
              await A.reload();
            } catch (e) {
              clear(err, tierNotice(e));
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
    personPicker({ label: kind === "moderators" ? t("org.people.addModerator") : t("org.people.addMember"),
      signal: A.ctx.signal, hint: t("org.people.hint") }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Add")));
  onSubmit(form, async (data) => {
    try {
      await post(`/spaces/${space.id}/${kind}`, { user_id: chosenId(data) });
    } catch (e) {
      if (e instanceof ApiError && e.status === 402) {
        e.message = tierMessage(e);
        if (!e.fields) e.fields = { user_id_search: e.message };
      } else if (e.fields && e.fields.user_id) {
        e.fields = { user_id_search: e.fields.user_id };
      }
      throw e;
    }
    form.querySelector(".person-picker").reset();
    A.ctx.announce(`Added to the ${kind}.`);
    await draw();
    await A.reload();
  });
  draw();
  return h("div", { class: "people-box" }, h("h4", {}, title), list, err, form);
}

function drawManage(A) {
  clear(A.manage, h("h3", { id: "manage-h" }, "Moderators and members"));
  if (A.spaces.length === 0) {
    A.manage.append(h("p", { class: "muted" }, "Open a space first."));
    return;
  }
  for (const s of A.spaces) {
    const details = h("details", { class: "space-admin" },
      h("summary", {}, s.name, " ", s.visibility === "private" ? badge("Private", "private") : badge("Public", "public")));
    let filled = false;
    details.addEventListener("toggle", () => {
      if (!details.open || filled) return;
      filled = true;
      details.append(peopleEditor(A, s, "moderators"));
      if (s.visibility === "private") details.append(peopleEditor(A, s, "members"));
    });
    A.manage.append(details);
  }
}

// Exports and analytics: links when the tier includes them, explained otherwise.
function drawReports(A) {
  const ent = A.org.entitlements || { capabilities: {} };
  const gate = (what) => h("p", { class: "gate", id: uid("gate") },
    `${what} is not included in the ${tierName(A.org.tier)} tier.`,
    A.has.upgrades ? " Request a higher tier (under “Upgrade requests”) to unlock it." : "");
  const parts = [h("h3", { id: "reports-h" }, "Reports")];
  if (A.has.analytics) {
    parts.push(h("h4", {}, "Analytics"));
    if (ent.capabilities.analytics) {
      parts.push(h("p", {}, h("a", { href: `/orgs/${A.orgId}?view=analytics` }, "Open the analytics dashboard"),
        ": participation over time, stakeholder mix, response times."));
    } else {
      parts.push(gate("The analytics dashboard"));
    }
  }
  if (A.has.export) {
    parts.push(h("h4", {}, "Export a space"));
    if (!ent.capabilities.export) {
      const note = gate("Export");
      parts.push(h("button", { type: "button", disabled: true, "aria-describedby": note.id }, "Export"), note);
    } else if (A.spaces.length === 0) {
      parts.push(h("p", { class: "muted" }, "Open a space first."));
    } else {
      parts.push(h("p", { class: "muted small" }, "Every topic and post, to open in a spreadsheet (CSV) or a program (JSON)."),
        h("ul", { class: "exports" }, A.spaces.map((s) => h("li", {},
          h("span", {}, s.name), " ",
          ["csv", "json"].map((fmt) => [h("a", {
            href: `/api/v1/spaces/${s.id}/export?format=${fmt}`, download: "",
            "aria-label": `Download ${s.name} as ${fmt.toUpperCase()}`,
          }, fmt.toUpperCase()), " "])))));
    }
  }
  clear(A.reports, ...parts);
  A.reports.hidden = !A.has.analytics && !A.has.export;
}
