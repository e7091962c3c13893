// Sign in and sign up.

import { STAKEHOLDERS, field, formError, h, onSubmit, select } from "../dom.js";
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
  ctx.title("Sign in");
  if (ctx.user) {
    ctx.main.append(
      h("h1", {}, "Sign in"),
      h("p", {}, `You are signed in as ${ctx.user.display_name}. `,
        h("a", { href: nextPath(ctx) }, "Continue")),
    );
    return;
  }
  const form = h("form", { class: "card form narrow", novalidate: false },
    formError(),
    field({ label: "Email", name: "email", type: "email", autocomplete: "email", required: true }),
    field({ label: "Password", name: "password", type: "password",
      autocomplete: "current-password", required: true }),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Sign in")),
  );
  onSubmit(form, async (data) => {
    const user = await signIn(data.email, data.password);
    ctx.announce(`Signed in as ${user.display_name}.`);
    ctx.navigate(nextPath(ctx), { replace: true });
  });
  ctx.main.append(
    h("h1", {}, "Sign in"),
    form,
    h("p", { class: "narrow" }, h("a", { href: "/reset-password" }, "Forgot your password?")),
    h("p", { class: "narrow" }, "New here? ", h("a", { href: carry(ctx, "/signup") }, "Create an account")),
  );
}

export async function signupPage(ctx) {
  ctx.title("Sign up");
  if (ctx.user) {
    ctx.main.append(
      h("h1", {}, "Sign up"),
      h("p", {}, `You are signed in as ${ctx.user.display_name}. `,
        h("a", { href: "/" }, "Go to the home page")),
    );
    return;
  }
  const form = h("form", { class: "card form narrow" },
    formError(),
    field({ label: "Display name", name: "display_name", autocomplete: "nickname", required: true,
      maxlength: 80, hint: "Shown next to everything you write." }),
    field({ label: "Handle (optional)", name: "handle", autocomplete: "username", maxlength: 31,
      spellcheck: "false", autocapitalize: "none",
      hint: "How others mention you: @handle. 3 to 30 of a–z, 0–9, dot, underscore and dash. " +
        "Leave it empty and one is made from your display name; you can change it later." }),
    field({ label: "Email", name: "email", type: "email", autocomplete: "email", required: true,
      maxlength: 254 }),
    field({ label: "Password", name: "password", type: "password", autocomplete: "new-password",
      required: true, minlength: 8, maxlength: 128,
      hint: "8 to 128 characters. A few words you will remember make a good password. " +
        "Very common passwords, your email address and your display name are refused." }),
    select({ label: "I take part as", name: "stakeholder_type", options: STAKEHOLDERS,
      value: "citizen", hint: "Others see this next to your name, so the mix of voices is visible." }),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Create account")),
  );
  onSubmit(form, async (data) => {
    if (!data.handle.trim()) delete data.handle;
    const user = await register(data);
    ctx.announce(`Welcome, ${user.display_name}. Your account is ready.`);
    ctx.navigate(nextPath(ctx), { replace: true });
  });
  ctx.main.append(
    h("h1", {}, "Create an account"),
    h("p", { class: "lede narrow" },
      "Join the discussion with citizens, businesses, civil society, researchers and officials."),
    form,
    h("p", { class: "narrow" }, "Already have an account? ", h("a", { href: carry(ctx, "/login") }, "Sign in")),
  );
}
