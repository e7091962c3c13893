// Sign in and sign up.

import { STAKEHOLDERS, field, formError, h, onSubmit, select } from "../dom.js";
import { t, tx } from "../i18n.js";
import { register, signIn } from "../session.js";

/** Where to go after signing in: a path on this site from ?next=, or home.
 *
 * Checked on what the browser makes of it, not on the raw text: the URL parser
 * drops tabs and newlines and reads a backslash as a slash, so "/\t/evil.example"
 * or "/\\evil.example" is another site. Only a URL of this origin is kept, and
 * only its path, query and fragment are used; a path that itself starts with
 * "//" (from "/.//evil.example") would be read as another host again. */
function nextPath(ctx) {
  const next = ctx.query.get("next");
  if (!next) return "/";
  let url;
  try {
    url = new URL(next, location.origin);
  } catch {
    return "/";
  }
  if (url.origin !== location.origin) return "/";
  const path = url.pathname;
  if (!path.startsWith("/") || path.startsWith("//")) return "/";
  if (/^\/(login|signup)(\/|$)/.test(path)) return "/";
  return path + url.search + url.hash;
}

function carry(ctx, path) {
  const next = ctx.query.get("next");
  return next ? `${path}?next=${encodeURIComponent(next)}` : path;
}

export async function loginPage(ctx) {
  ctx.title(t("auth.signIn.title"));
  if (ctx.user) {
    ctx.main.append(
      h("h1", {}, t("auth.signIn.title")),
      h("p", {}, t("auth.signedInAs", { name: ctx.user.display_name }), " ",
        h("a", { href: nextPath(ctx) }, t("auth.continue"))),
    );
    return;
  }
  const form = h("form", { class: "card form narrow", novalidate: false },
    formError(),
    field({ label: t("auth.email"), name: "email", type: "email", autocomplete: "email", required: true }),
    field({ label: t("auth.password"), name: "password", type: "password",
      autocomplete: "current-password", required: true }),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, t("auth.signIn.submit"))),
  );
  onSubmit(form, async (data) => {
    const user = await signIn(data.email, data.password);
    ctx.announce(t("auth.signedIn", { name: user.display_name }));
    ctx.navigate(nextPath(ctx), { replace: true });
  });
  ctx.main.append(
    h("h1", {}, t("auth.signIn.title")),
    form,
    h("p", { class: "narrow" }, h("a", { href: "/reset-password" }, t("auth.forgot"))),
    h("p", { class: "narrow" }, tx("auth.newHere", { link: h("a", { href: carry(ctx, "/signup") }, t("auth.createAccount")) })),
  );
}

export async function signupPage(ctx) {
  ctx.title(t("auth.signUp.title"));
  if (ctx.user) {
    ctx.main.append(
      h("h1", {}, t("auth.signUp.title")),
      h("p", {}, t("auth.signedInAs", { name: ctx.user.display_name }), " ",
        h("a", { href: "/" }, t("notFound.home"))),
    );
    return;
  }
  const form = h("form", { class: "card form narrow" },
    formError(),
    field({ label: t("auth.displayName"), name: "display_name", autocomplete: "nickname", required: true,
      maxlength: 80, hint: t("auth.displayName.hint") }),
    field({ label: t("auth.handle"), name: "handle", autocomplete: "username", maxlength: 31,
      spellcheck: "false", autocapitalize: "none", hint: t("auth.handle.hint") }),
    field({ label: t("auth.email"), name: "email", type: "email", autocomplete: "email", required: true,
      maxlength: 254 }),
    field({ label: t("auth.password"), name: "password", type: "password", autocomplete: "new-password",
      required: true, minlength: 8, maxlength: 128, hint: t("auth.password.hint") }),
    select({ label: t("auth.stakeholder"), name: "stakeholder_type", options: STAKEHOLDERS,
      value: "citizen", hint: t("auth.stakeholder.hint") }),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, t("auth.signUp.submit"))),
  );
  onSubmit(form, async (data) => {
    if (!data.handle.trim()) delete data.handle;
    const user = await register(data);
    ctx.announce(t("auth.welcome", { name: user.display_name }));
    ctx.navigate(nextPath(ctx), { replace: true });
  });
  ctx.main.append(
    h("h1", {}, t("auth.signUp.heading")),
    h("p", { class: "lede narrow" }, t("auth.signUp.lede")),
    form,
    h("p", { class: "narrow" }, tx("auth.haveAccount", { link: h("a", { href: carry(ctx, "/login") }, t("nav.signIn")) })),
  );
}
