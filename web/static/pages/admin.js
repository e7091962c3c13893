// Platform admin (the secretariat): pending upgrade requests, and every
// organization with its tier and whether the platform confirmed who it is.

import { api, get, post, serverHas } from "../api.js";
import { badge, clear, field, formError, h, humanize, onSubmit, timeEl } from "../dom.js";
import { t, tx } from "../i18n.js";
import { requireUser, tierName, verifiedBadge } from "../widgets.js";

export default async function adminPage(ctx) {
  if (!requireUser(ctx, t("notif.platformAdmin"))) return;
  ctx.title(t("notif.platformAdmin"));
  ctx.main.append(h("h1", {}, t("notif.platformAdmin")));
  if (!ctx.user.is_platform_admin) {
    ctx.main.append(h("p", { class: "notice" }, t("notif.thisPageIsFor")));
    return;
  }

  const { orgs } = await get("/orgs", { signal: ctx.signal });
  const orgById = new Map(orgs.map((o) => [o.id, o]));
  let redrawRequests = null; // reads the pending requests again

  if (await serverHas("GET", "/admin/upgrade-requests")) {
    const section = h("section", { class: "card", "aria-labelledby": "requests-h" },
      h("h2", { id: "requests-h" }, t("notif.pendingUpgradeRequests")));
    const list = h("ul", { class: "queue" });
    section.append(list);
    ctx.main.append(section);
    const canApprove = await serverHas("POST", "/admin/upgrade-requests/{request_id}/approve");
    const draw = async () => {
      const res = await get("/admin/upgrade-requests?status=pending", { signal: ctx.signal });
      const requests = res.upgrade_requests.filter((r) => r.status === "pending");
      clear(list);
      if (requests.length === 0) list.append(h("li", { class: "muted" }, t("notif.noPendingRequest")));
      for (const r of requests) list.append(requestItem(r));
    };
    const requestItem = (r) => {
      const item = h("li", { class: "request queue-item" },
        h("h3", {}, h("a", { href: `/orgs/${r.org_id}` }, r.org_name), verifiedBadge(orgById.get(r.org_id))),
        h("p", {}, tx("admin.asksFor", { tier: h("strong", {}, tierName(r.tier)) }), " · ", timeEl(r.created_at),
          " · ", t("question.byName", { name: r.requested_by.display_name })),
        r.note ? h("blockquote", {}, r.note) : null);
      if (canApprove) {
        const form = h("form", { class: "form inline" }, formError(),
          field({ label: t("notif.reasonShownToThe"), name: "reason", maxlength: 2000 }),
          h("div", { class: "actions" },
            h("button", { type: "submit", value: "approve", class: "primary" }, t("notif.approve")),
            h("button", { type: "submit", value: "reject", class: "danger" }, t("notif.reject"))));
        let action = "approve";
        for (const b of form.querySelectorAll("button")) b.addEventListener("click", () => { action = b.value; });
        onSubmit(form, async (data) => {
          const body = data.reason ? { reason: data.reason } : action === "reject" ? { reason: "" } : {};
          await post(`/admin/upgrade-requests/${r.id}/${action}`, body);
          ctx.announce(t(action === "approve" ? "admin.approved" : "admin.rejected", { org: r.org_name }));
          await draw();
        });
        item.append(form);
      }
      return item;
    };
    await draw();
    redrawRequests = () => draw().catch((err) => {
      if (err.name !== "AbortError") clear(list, h("li", { class: "form-error" }, err.message));
    });
  }

  if (await serverHas("PUT", "/admin/plans/prices")) ctx.main.append(await pricesSection(ctx));

  const canVerify = await serverHas("PUT", "/admin/orgs/{org_id}/verified");
  const redraws = new Map(); // org id → redraw with a new tier
  const verifyError = h("p", { class: "form-error", role: "alert", hidden: true });
  const rowOf = (o) => {
    const row = h("tr", {});
    const draw = () => clear(row,
      // The country under the name, not in a column of its own: on a phone the
      // four columns did not fit and Verify / Withdraw was off the screen.
      h("th", { scope: "row" }, h("a", { href: `/orgs/${o.id}` }, o.name), verifiedBadge(o, { compact: true }),
        h("span", { class: "cell-note" }, o.country)),
      h("td", {}, badge(tierName(o.tier), `tier-${o.tier}`)),
      h("td", {}, o.verified ? t("widgets.verified.short") : t("notif.notVerified"), canVerify ? [" ", h("button", {
        type: "button", class: "linklike",
        "aria-label": t(o.verified ? "admin.withdrawFor" : "admin.verifyFor", { name: o.name }),
        onclick: async (event) => {
          event.currentTarget.disabled = true;
          verifyError.hidden = true;
          try {
            const res = await api("PUT", `/admin/orgs/${o.id}/verified`, { verified: !o.verified });
            o = res.org;
            ctx.announce(t(o.verified ? "admin.isVerified" : "admin.noLongerVerified", { name: o.name }));
          } catch (err) {
            verifyError.textContent = err.message;
            verifyError.hidden = false;
          }
          draw();
          // The button was redrawn: keep the keyboard on its successor.
          row.querySelector("button").focus();
        },
      }, o.verified ? t("notif.withdraw") : t("notif.verify"))] : null));
    draw();
    redraws.set(o.id, (tier) => {
      o = { ...o, tier };
      draw();
    });
    return row;
  };
  const rows = [...orgs].sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true })).map(rowOf);
  ctx.main.append(h("section", { class: "card", "aria-labelledby": "orgs-h" },
    h("h2", { id: "orgs-h" }, t("notif.organizations")),
    h("p", { class: "muted small" }, t("admin.verifyExplained")),
    verifyError,
    h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": t("notif.organizationsTheirTiersAnd") }, h("table", {},
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("notif.organization")),
        h("th", { scope: "col" }, t("notif.tier2")), h("th", { scope: "col" }, t("widgets.verified.short")))),
      h("tbody", {}, rows)))));

  // A change of tier, and a request made or decided, by this admin or another,
  // arrive on this admin's own channel (user:{id}, which only they may follow):
  // the table and the pending requests follow without a reload.
  const onEvent = (event) => {
    const msg = event.detail;
    if (msg.name === "upgrade_request.changed" && redrawRequests) redrawRequests();
    if (msg.name !== "org.tier_changed" || !redraws.has(msg.data.org_id)) return;
    redraws.get(msg.data.org_id)(msg.data.tier_change.to_tier);
  };
  document.addEventListener("cps:user-event", onEvent);
  ctx.cleanup(() => document.removeEventListener("cps:user-event", onEvent));
}

/** The prices the plans page shows, as free text; an empty one reads "On request". */
async function pricesSection(ctx) {
  const { plans } = await get("/plans", { signal: ctx.signal });
  const form = h("form", { class: "form" }, formError(),
    plans.map((p) => field({ label: t("admin.prices.label", { tier: tierName(p.tier) }), name: p.tier,
      value: p.price || "", maxlength: 120, placeholder: t("plans.onRequest") })),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("admin.prices.save"))));
  onSubmit(form, async (data) => {
    const prices = Object.fromEntries(plans.map((p) => [p.tier, data[p.tier].trim() || null]));
    try {
      await api("PUT", "/admin/plans/prices", { prices });
    } catch (err) {
      // The server names a field "prices.plus": show it beside the tier's box.
      if (err.fields) err.fields = Object.fromEntries(Object.entries(err.fields).map(([k, v]) => [k.replace(/^prices\./, ""), v]));
      throw err;
    }
    ctx.announce(t("admin.prices.saved"));
  });
  return h("section", { class: "card", "aria-labelledby": "prices-h" },
    h("h2", { id: "prices-h" }, t("admin.prices.heading")),
    h("p", { class: "muted small" }, t("admin.prices.hint"), " ", h("a", { href: "/plans" }, t("tiers.comparePlans"))),
    form);
}
