// An organization: its spaces, its recent topics, its questions waiting for an
// answer, its officials and how fast it answers, for everyone; for its admins,
// naming and removing officials, the tier with entitlements and usage, opening
// spaces (with the tier gates explained from the entitlements the API returns),
// moderators and members, upgrade requests. One request at load
// (GET /orgs/{id}/overview), whatever the number of spaces: the server says
// what the reader may see.

import { dateWords, statusWords } from "../accountability.js";
import { ApiError, del, get, post, serverHas } from "../api.js";
import {
  badge, carryInput, clear, field, formError, h, humanize, onSubmit, orgKindLabel, plansLink, select, timeEl, uid,
} from "../dom.js";
import { t, tx } from "../i18n.js";
import { chosenId, personPicker } from "../people.js";
import { breadcrumb, tierMessage, tierName, tierNotice, verifiedBadge } from "../widgets.js";

// Words for the entitlement names the API returns; an unknown name is shown
// as it comes. (Only words: which tier has what comes from the API.)
const LABELS = {
  discussions: t("org.threadedDiscussionsReactionsLive"),
  private_spaces: t("org.privateMembersOnlySpaces"),
  polls: t("org.pollsInTopics"),
  moderation_tools: t("org.wordFilterPreModeration"),
  export: t("org.exportOfASpace"),
  analytics: t("org.analyticsDashboard"),
  consensus_map: t("org.consensusMapOfOpinion"),
  // In the premium tier's definition, not built yet: said so, not promised as there.
  integrations: t("org.apiTokensAndSigned"),
  custom_branding: t("org.customBrandingNotAvailable"),
  public_spaces: t("org.publicSpaces"),
  moderators_per_space: t("org.moderatorsPerSpace"),
};

export const label = (key) => LABELS[key] || humanize(key);

export function usageBar(name, quota) {
  const id = uid("quota");
  const text = quota.limit === null ? t("org.quota.unlimited", { usage: quota.usage })
    : t("ranking.of", { n: quota.usage, count: quota.limit });
  const full = quota.limit !== null && quota.usage >= quota.limit;
  return h("div", { class: ["quota", full && "is-full"] },
    h("div", { class: "quota-label" }, h("span", { id }, label(name)), h("span", { class: "quota-value" }, text)),
    quota.limit === null
      ? h("p", { class: "muted small" }, t("org.noLimitOnThis"))
      : h("meter", { min: 0, max: quota.limit || 1, value: Math.min(quota.usage, quota.limit || 1),
        low: Math.max(0, (quota.limit || 1) - 1), high: quota.limit || 1, optimum: 0,
        "aria-labelledby": id, "aria-valuetext": text }, text),
  );
}

export default async function orgPage(ctx) {
  const orgId = ctx.params[0];
  const overview = await get(`/orgs/${orgId}/overview`, { signal: ctx.signal });
  const { org, spaces } = overview;
  ctx.title(org.name);
  // What the page and its administration share; `org` and `overview` are replaced on reload.
  const A = { ctx, orgId, org, spaces, overview };

  const spaceList = h("ul", { class: "space-list" });
  A.drawSpaces = () => {
    clear(spaceList);
    if (spaces.length === 0) spaceList.append(h("li", { class: "muted" }, t("org.noSpaceYet")));
    for (const s of spaces) {
      spaceList.append(h("li", {},
        h("a", { href: `/spaces/${s.id}`, dir: "auto" }, s.name),
        " ", s.visibility === "private" ? badge(t("moderation.work.private"), "private") : badge(t("space.badge.public"), "public"),
        s.description ? h("p", { class: "muted small", dir: "auto" }, s.description) : null));
    }
  };
  A.drawSpaces();

  const tierBadge = h("span", {});
  A.drawTierBadge = () => clear(tierBadge, badge(t("org.tierBadge", { tier: tierName(A.org.tier) }), `tier-${A.org.tier}`));
  A.drawTierBadge();

  const hasReport = await serverHas("GET", "/orgs/{org_id}/responsiveness");
  ctx.main.append(
    breadcrumb([["/", t("nav.home")], [null, org.name]]),
    h("header", { class: "page-head" },
      h("h1", {}, h("span", { dir: "auto" }, org.name), verifiedBadge(org)),
      h("p", { class: "muted" }, `${orgKindLabel(org.kind)} · ${org.country} · `, tierBadge),
      hasReport ? h("p", {}, tx("org.responsiveness", { link: h("a", { href: `/orgs/${org.id}?view=responsiveness` },
        t("org.responsiveness.link", { org: org.name })) })) : null,
    ),
    h("section", { "aria-labelledby": "spaces-h" }, h("h2", { id: "spaces-h" }, t("org.spaces")), spaceList),
    topicsSection("recent-h", t("org.recentTopics"), overview.latest, t("org.noTopicYet"), (topic) =>
      [topic.space_name, " · ", t("home.postCount", { count: topic.post_count }), " · ", timeEl(topic.last_activity_at)]),
    topicsSection("waiting-h", t("org.openQuestions"), overview.open_questions, t("org.noOpenQuestion"), (topic) =>
      [topic.space_name, " · ", badge(statusWords(topic.question_status), "question"), " · ", timeEl(topic.last_activity_at)]),
    officialsSection(A),
  );

  if (org.is_admin) await administration(A);
}

/** A list of topics of the spaces the reader may see (as the overview answers). */
function topicsSection(headingId, heading, topics, none, details) {
  return h("section", { "aria-labelledby": headingId, class: "org-topics" },
    h("h2", { id: headingId }, heading),
    h("ul", { class: "activity" }, topics.length === 0 ? h("li", { class: "muted" }, none)
      : topics.map((topic) => h("li", {},
        h("a", { href: `/topics/${topic.id}`, dir: "auto" }, topic.title),
        h("p", { class: "muted small" }, ...details(topic))))));
}

// ---- officials ----------------------------------------------------------------

/** Who answers in the organization's name (public); its admins name and remove
 * them, choosing each person by name or handle (../people.js). */
function officialsSection(A) {
  const { ctx, orgId, org } = A;
  const list = h("ul", { class: "people officials" });
  const err = h("p", { class: "form-error", role: "alert", hidden: true });
  // At load the overview brought them; after a change they are read again.
  const draw = async (known = null) => {
    let officials = known;
    try {
      if (!officials) ({ officials } = await get(`/orgs/${orgId}/officials`, { signal: ctx.signal }));
    } catch (e) {
      if (e.name !== "AbortError") clear(list, h("li", { class: "form-error" }, e.message));
      return;
    }
    clear(list);
    if (officials.length === 0) list.append(h("li", { class: "muted" }, t("org.noOfficialNamedYet")));
    for (const o of officials) {
      list.append(h("li", {},
        h("span", {}, h("span", { class: "official-name", dir: "auto" }, o.user.display_name), " ",
          h("span", { class: "muted small" }, t("org.since", { date: dateWords(o.created_at) }))),
        org.is_admin ? h("button", { type: "button", class: "linklike", "aria-label": t("org.removeOfficial", { name: o.user.display_name }),
          onclick: async (event) => {
            const button = event.currentTarget;
            button.disabled = true;
            err.hidden = true;
            try {
              await del(`/orgs/${orgId}/officials/${o.user.id}`);
              ctx.announce(t("org.officialRemoved", { name: o.user.display_name }));
              await draw();
              list.querySelector("button")?.focus();
            } catch (e) {
              err.textContent = e.message;
              err.hidden = false;
              button.disabled = false;
            }
          } }, t("org.remove")) : null));
    }
  };
  let form = null;
  if (org.is_admin) {
    form = h("form", { class: "form inline" }, formError(),
      personPicker({ label: t("org.officials.name"), signal: ctx.signal, hint: t("org.officials.nameHint") }),
      h("div", { class: "actions" }, h("button", { type: "submit" }, t("org.nameOfficial"))));
    onSubmit(form, async (data) => {
      const { official } = await post(`/orgs/${orgId}/officials`, { user_id: chosenId(data) });
      form.querySelector(".person-picker").reset();
      ctx.announce(t("org.officialAdded", { name: official.user.display_name, org: org.name }));
      await draw();
    });
  }
  draw(A.overview.officials);
  return h("section", { "aria-labelledby": "officials-h", class: "officials-section" },
    h("h2", { id: "officials-h" }, t("org.officials")),
    h("p", { class: "muted" }, t("org.officialsExplained", { org: org.name })),
    list, err, form);
}

// ---- administration ----------------------------------------------------------

/** For the organization's admins: tier and usage, opening spaces, moderators
 * and members, reports. */
async function administration(A) {
  const { ctx, orgId } = A;
  const admin = h("div", { class: "admin-grid" });
  ctx.main.append(h("h2", { class: "section-title" }, t("org.administration")), admin);

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
    A.overview = await get(`/orgs/${orgId}/overview`, { signal: ctx.signal });
    A.org = A.overview.org;
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
  if (A.has.history) extra.push(historyBox(A));
  if (A.ctx.user && A.ctx.user.is_platform_admin && A.has.setTier) extra.push(setTierBox(A));
  clear(A.plan,
    h("h3", { id: "plan-h" }, t("org.tierAndUsage")),
    h("p", {}, t("org.currentTier"), h("strong", {}, tierName(A.org.tier)), " · ",
      h("a", { href: `/plans?org=${A.orgId}` }, t("tiers.comparePlans"))),
    ...Object.entries(ent.quotas).map(([name, q]) => usageBar(name, q)),
    h("h4", {}, t("org.includedInThisTier")),
    h("ul", { class: "capabilities" }, Object.entries(ent.capabilities).map(([name, on]) =>
      h("li", { class: on ? "yes" : "no" },
        h("span", { class: "visually-hidden" }, on ? t("org.included") : t("org.notIncluded")),
        h("span", { "aria-hidden": "true", class: "cap-mark" }, on ? "✓" : "—"), " ", label(name)))),
    ...extra,
  );
  for (const form of A.plan.querySelectorAll("form[data-key]")) carryInput(typed.get(form.dataset.key), form);
}

function upgradeBox(A) {
  const box = h("div", { class: "upgrade" }, h("h4", {}, t("org.upgradeRequests")));
  const status = h("div", { class: "upgrade-status" });
  const tiers = [["plus", t("tier.plus")], ["premium", t("tier.premium")]].filter(([t]) => t !== A.org.tier && A.org.tier !== "premium");
  const form = h("form", { class: "form", "data-key": "upgrade" }, formError(),
    select({ label: t("org.tierToRequest"), name: "tier", options: tiers, value: tiers.length ? tiers[0][0] : "" }),
    field({ label: t("org.noteForTheSecretariat"), name: "note", type: "textarea", rows: 2, maxlength: 2000 }),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, t("org.requestUpgrade"))));
  onSubmit(form, async (data) => {
    await post(`/orgs/${A.orgId}/upgrade-requests`, { tier: data.tier, note: data.note || "" });
    A.ctx.announce(t("org.upgradeRequestSentTo"));
    form.reset();
    await showRequests();
  });
  // At load (and on reload) the overview brought them; after a request they are read again.
  async function showRequests(known = null) {
    if (!A.has.listUpgrades) return;
    let requests = known;
    try {
      if (!requests) requests = (await get(`/orgs/${A.orgId}/upgrade-requests`, { signal: A.ctx.signal })).upgrade_requests;
    } catch (err) {
      if (err.name !== "AbortError") clear(status, h("p", { class: "form-error" }, err.message));
      return;
    }
    const open = requests.some((r) => r.status === "pending");
    form.hidden = open || tiers.length === 0;
    clear(status);
    if (open) status.append(h("p", { class: "notice" }, t("org.aRequestIsWaiting")));
    if (requests.length === 0) return;
    status.append(h("ul", { class: "requests" }, [...requests].reverse().map((r) => h("li", {},
      h("strong", {}, tierName(r.tier)), " · ", badge(humanize(r.status), r.status === "approved" ? "tier-plus" : r.status === "rejected" ? "locked" : ""),
      " · ", tx("org.requestedBy", { time: timeEl(r.created_at), name: r.requested_by.display_name }),
      r.note ? h("p", { class: "muted small" }, t("org.note", { note: r.note })) : null,
      r.decided_at ? h("p", { class: "small" }, tx(r.decided_by ? "org.decidedBy" : "org.decidedAt",
        { time: timeEl(r.decided_at), name: r.decided_by ? r.decided_by.display_name : "" }),
        r.reason ? ` ${t("notice.quoted", { reason: r.reason })}` : "") : null))));
  }
  showRequests(A.overview.upgrade_requests);
  if (tiers.length === 0) box.append(h("p", { class: "muted" }, t("org.thisOrganizationHasThe")));
  box.append(form, status);
  return box;
}

/** The tier's changes, as the overview brought them (read again with it on reload). */
function historyBox(A) {
  const box = h("div", { class: "upgrade" }, h("h4", {}, t("org.tierHistory")));
  const changes = A.overview.tier_changes || [];
  if (changes.length === 0) box.append(h("p", { class: "muted" }, t("org.noChangeSinceThe")));
  else box.append(h("ol", { class: "requests" }, [...changes].reverse().map((c) => h("li", {},
    `${tierName(c.from_tier)} → `, h("strong", {}, tierName(c.to_tier)), " · ", timeEl(c.created_at),
    " · ", t("question.byName", { name: c.changed_by.display_name }), c.reason ? h("p", { class: "muted small" }, c.reason) : null))));
  return box;
}

function setTierBox(A) {
  const box = h("div", { class: "upgrade" }, h("h4", {}, t("org.setTheTierPlatform")));
  const form = h("form", { class: "form", "data-key": "settier" }, formError(),
    select({ label: t("notif.tier2"), name: "tier", options: [["free", t("tier.free")], ["plus", t("tier.plus")], ["premium", t("tier.premium")]], value: A.org.tier }),
    field({ label: t("org.whyKeptInThe"), name: "reason", required: true, maxlength: 2000, hint: t("org.forExamplePaidOffline") }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("org.setTier"))));
  onSubmit(form, async (data) => {
    A.org = (await post(`/admin/orgs/${A.orgId}/tier`, { tier: data.tier, reason: data.reason })).org;
    A.ctx.announce(t("notice.tierChanged", { org: A.org.name, tier: tierName(A.org.tier) }));
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
    t("org.gate.private", { tier: tierName(A.org.tier) }),
    A.has.upgrades ? ` ${t("org.gate.upgradeThem")}` : "", " ", plansLink(null, A.orgId));
  const quotaNote = pubFull ? h("p", { class: "gate", id: quotaId },
    t("org.gate.publicFull", { count: pub.limit, tier: tierName(A.org.tier) }), " ", plansLink(null, A.orgId)) : null;
  const radio = (value, text, describedBy) => {
    const id = uid("vis");
    return h("div", { class: "radio" },
      h("input", { type: "radio", name: "visibility", value, id, checked: value === "public", "aria-describedby": describedBy }),
      h("label", { for: id }, text));
  };
  const form = h("form", { class: "form" }, formError(),
    field({ label: t("acct.name"), name: "name", required: true, maxlength: 200 }),
    field({ label: t("org.description"), name: "description", type: "textarea", rows: 2, maxlength: 2000 }),
    h("fieldset", {}, h("legend", {}, t("org.whoCanReadIt")),
      radio("public", t("org.publicAnyoneCanRead"), pubFull ? quotaId : null), quotaNote,
      radio("private", t("space.badge.private"), privateOk ? null : gateId), gateNote),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, t("org.openSpace"))));
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
    A.ctx.announce(t("org.spaceOpened", { name: res.space.name }));
    await A.reload();
    drawManage(A);
  });
  carryInput(A.spaceForm.querySelector("form"), form);
  clear(A.spaceForm, h("h3", { id: "new-space-h" }, t("org.openASpace")), form);
}

function peopleEditor(A, space, kind) {
  // kind: "moderators" | "members"
  const title = kind === "moderators" ? t("org.moderators") : t("org.members");
  const list = h("ul", { class: "people" });
  const err = h("p", { class: "form-error", role: "alert", hidden: true });
  const draw = async () => {
    try {
      const { members } = await get(`/spaces/${space.id}/${kind}`, { signal: A.ctx.signal });
      clear(list);
      if (members.length === 0) list.append(h("li", { class: "muted" }, kind === "moderators" ? t("org.noModeratorYet") : t("org.noMemberYet")));
      for (const m of members) {
        list.append(h("li", {},
          h("span", { dir: "auto" }, m.user.display_name),
          h("button", { type: "button", class: "linklike", "aria-label": t(kind === "moderators" ? "org.removeModerator" : "org.removeMember", { name: m.user.display_name }), onclick: async () => {
            err.hidden = true;
            try {
              await del(`/spaces/${space.id}/${kind}/${m.user.id}`);
              A.ctx.announce(t("org.removed", { name: m.user.display_name }));
              await draw();
              await A.reload();
            } catch (e) {
              clear(err, tierNotice(e));
              err.hidden = false;
            }
          } }, t("org.remove"))));
      }
    } catch (e) {
      if (e.name === "AbortError") return;
      clear(list, h("li", { class: "form-error" }, e.message));
    }
  };
  const form = h("form", { class: "form inline" }, formError(),
    personPicker({ label: kind === "moderators" ? t("org.people.addModerator") : t("org.people.addMember"),
      signal: A.ctx.signal, hint: t("org.people.hint") }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("org.add"))));
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
    A.ctx.announce(t(kind === "moderators" ? "org.addedModerator" : "org.addedMember"));
    await draw();
    await A.reload();
  });
  draw();
  return h("div", { class: "people-box" }, h("h4", {}, title), list, err, form);
}

function drawManage(A) {
  clear(A.manage, h("h3", { id: "manage-h" }, t("org.moderatorsAndMembers")));
  if (A.spaces.length === 0) {
    A.manage.append(h("p", { class: "muted" }, t("org.openASpaceFirst")));
    return;
  }
  for (const s of A.spaces) {
    const details = h("details", { class: "space-admin" },
      h("summary", {}, h("span", { dir: "auto" }, s.name), " ", s.visibility === "private" ? badge(t("moderation.work.private"), "private") : badge(t("space.badge.public"), "public")));
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
    t("org.gate.feature", { what, tier: tierName(A.org.tier) }),
    A.has.upgrades ? ` ${t("org.gate.upgradeIt")}` : "");
  const parts = [h("h3", { id: "reports-h" }, t("org.reports"))];
  if (A.has.analytics) {
    parts.push(h("h4", {}, t("org.analytics")));
    if (ent.capabilities.analytics) {
      parts.push(h("p", {}, tx("org.analytics.open", {
        link: h("a", { href: `/orgs/${A.orgId}?view=analytics` }, t("org.openTheAnalyticsDashboard")) })));
    } else {
      parts.push(gate(t("org.theAnalyticsDashboard")));
    }
  }
  if (A.has.export) {
    parts.push(h("h4", {}, t("org.exportASpace")));
    if (!ent.capabilities.export) {
      const note = gate(t("org.export"));
      parts.push(h("button", { type: "button", disabled: true, "aria-describedby": note.id }, t("org.export")), note);
    } else if (A.spaces.length === 0) {
      parts.push(h("p", { class: "muted" }, t("org.openASpaceFirst")));
    } else {
      parts.push(h("p", { class: "muted small" }, t("org.everyTopicAndPost")),
        h("ul", { class: "exports" }, A.spaces.map((s) => h("li", {},
          h("span", { dir: "auto" }, s.name), " ",
          ["csv", "json"].map((fmt) => [h("a", {
            href: `/api/v1/spaces/${s.id}/export?format=${fmt}`, download: "",
            "aria-label": t("org.download", { name: s.name, format: fmt.toUpperCase() }),
          }, fmt.toUpperCase()), " "])))));
    }
  }
  clear(A.reports, ...parts);
  A.reports.hidden = !A.has.analytics && !A.has.export;
}
