// The signed-in user's profile, their organizations, and registering a new one.

import { get, post } from "../api.js";
import { ORG_KINDS, field, formError, h, onSubmit, select, stakeholderLabel, timeEl } from "../dom.js";
import { signOut } from "../session.js";

export function requireUser(ctx, what) {
  if (ctx.user) return true;
  ctx.title(what);
  const next = encodeURIComponent(location.pathname + location.search);
  ctx.main.append(
    h("h1", {}, what),
    h("p", {}, "Please ", h("a", { href: `/login?next=${next}` }, "sign in"), " to see this page."),
  );
  return false;
}

export default async function profilePage(ctx) {
  if (!requireUser(ctx, "Your profile")) return;
  const { user } = await get("/me", { signal: ctx.signal });
  ctx.title("Your profile");

  const signOutButton = h("button", { type: "button", onclick: async () => {
    signOutButton.disabled = true;
    try {
      await signOut();
      ctx.navigate("/");
    } catch (err) {
      signOutButton.disabled = false;
      ctx.announce(`Sign out failed: ${err.message}`);
    }
  } }, "Sign out");

  ctx.main.append(
    h("h1", {}, user.display_name),
    h("section", { class: "card", "aria-labelledby": "about-h" },
      h("h2", { id: "about-h" }, "About you"),
      h("dl", { class: "facts" },
        h("dt", {}, "Display name"), h("dd", {}, user.display_name),
        h("dt", {}, "Takes part as"), h("dd", {}, stakeholderLabel(user.stakeholder_type)),
        h("dt", {}, "Email"), h("dd", {}, user.email),
        h("dt", {}, "User id"), h("dd", {}, String(user.id), h("span", { class: "muted small" }, " — give it to an organization admin who wants to add you to a space")),
        h("dt", {}, "Member since"), h("dd", {}, timeEl(user.created_at)),
        user.is_platform_admin ? [h("dt", {}, "Role"), h("dd", {}, "Platform admin (secretariat)")] : null,
      ),
      h("p", {}, signOutButton),
    ),
  );

  const mine = h("ul", { class: "space-list" }, h("li", { class: "muted" }, "Loading…"));
  const form = h("form", { class: "form" }, formError(),
    field({ label: "Name", name: "name", required: true, maxlength: 200, hint: "For example: City of Seoul" }),
    select({ label: "Kind", name: "kind", options: ORG_KINDS, value: "local_government" }),
    field({ label: "Country", name: "country", required: true, minlength: 2, maxlength: 100, autocomplete: "country-name" }),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Register organization")));
  onSubmit(form, async (data) => {
    const { org } = await post("/orgs", data);
    ctx.announce(`${org.name} registered. You are its admin.`);
    ctx.navigate(`/orgs/${org.id}`);
  });

  ctx.main.append(h("div", { class: "two-col" },
    h("section", { class: "card", "aria-labelledby": "my-orgs-h" },
      h("h2", { id: "my-orgs-h" }, user.is_platform_admin ? "Organizations (you administer all)" : "Organizations you administer"), mine),
    h("section", { class: "card", "aria-labelledby": "new-org-h" },
      h("h2", { id: "new-org-h" }, "Register an organization"),
      h("p", { class: "muted" }, "A city, company or institution starts on the free tier; you become its admin."),
      form),
  ));

  const { orgs } = await get("/orgs", { signal: ctx.signal });
  const admin = orgs.filter((o) => o.is_admin);
  mine.replaceChildren(...(admin.length ? admin.map((o) => h("li", {}, h("a", { href: `/orgs/${o.id}` }, o.name),
    h("span", { class: "muted small" }, ` · ${o.country}`))) : [h("li", { class: "muted" }, "None yet.")]));
}
