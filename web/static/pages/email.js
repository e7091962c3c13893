// Pages reached from an email: reset a forgotten password (ask for the link, then
// choose a new password with it), verify an address, stop notification emails.
//
// A link's token arrives in the URL's fragment (#token=...), which browsers never
// send to a server; the unsubscribe link carries it in the query instead, because
// mail providers POST to that very URL (RFC 8058).

import { post } from "../api.js";
import { field, formError, h, notice, onSubmit } from "../dom.js";
import { PASSWORD_HINT } from "../password.js";

function tokenFrom(ctx, where = "fragment") {
  const raw = where === "fragment" ? location.hash.replace(/^#/, "") : location.search;
  return new URLSearchParams(raw).get("token") || (where === "query" ? ctx.query.get("token") : null);
}

/** A link that cannot be used says so once, in words, with what to do next. */
async function withLink(send) {
  try {
    return await send();
  } catch (err) {
    if (err && err.fields && err.fields.token) {
      err.fields = null; // the message already says it
    }
    throw err;
  }
}

export async function resetPasswordPage(ctx) {
  const token = tokenFrom(ctx);
  if (!token) {
    ctx.title("Forgot your password?");
    const done = h("div", { role: "status" });
    const form = h("form", { class: "card form narrow" },
      formError(),
      field({ label: "Your account's email", name: "email", type: "email",
        autocomplete: "email", required: true, maxlength: 254 }),
      h("div", { class: "actions" },
        h("button", { type: "submit", class: "primary" }, "Email me a link")));
    onSubmit(form, async (data) => {
      const { message } = await post("/auth/password-reset", { email: data.email });
      done.replaceChildren(notice(`${message} Check your inbox (and its spam folder).`));
    });
    ctx.main.append(
      h("h1", {}, "Forgot your password?"),
      h("p", { class: "lede narrow" },
        "We email you a link to choose a new one. It works once, for an hour."),
      form, done,
      h("p", { class: "narrow" }, "Remembered it? ", h("a", { href: "/login" }, "Sign in")),
    );
    return;
  }
  ctx.title("Choose a new password");
  const form = h("form", { class: "card form narrow" },
    formError(),
    field({ label: "New password", name: "password", type: "password",
      autocomplete: "new-password", required: true, minlength: 8, maxlength: 128,
      hint: PASSWORD_HINT }),
    h("div", { class: "actions" },
      h("button", { type: "submit", class: "primary" }, "Set the new password")));
  onSubmit(form, async (data) => {
    await withLink(() => post("/auth/password-reset/confirm", { token, password: data.password }));
    history.replaceState(null, "", "/reset-password"); // the used link leaves the address bar
    ctx.main.replaceChildren(
      h("h1", { tabindex: "-1" }, "Your password is changed"),
      notice("You were signed out everywhere. Sign in with your new password."),
      h("p", {}, h("a", { href: "/login" }, "Sign in")));
    ctx.main.querySelector("h1").focus();
    ctx.announce("Your password is changed.");
  });
  ctx.main.append(
    h("h1", {}, "Choose a new password"),
    h("p", { class: "lede narrow" },
      "Every device signed in to your account is signed out once it is set."),
    form,
    h("p", { class: "narrow" }, "Link expired? ",
      h("a", { href: "/reset-password" }, "Ask for a new one")),
  );
}

export async function verifyEmailPage(ctx) {
  ctx.title("Verify your email");
  ctx.main.append(h("h1", {}, "Verify your email"));
  const token = tokenFrom(ctx);
  if (!token) {
    ctx.main.append(notice("This page needs the link from the email we sent you."),
      h("p", {}, h("a", { href: "/profile" }, "Send it again from your profile")));
    return;
  }
  try {
    await post("/auth/verify-email", { token });
  } catch (err) {
    ctx.main.append(notice(err.message, "error"),
      h("p", {}, h("a", { href: "/profile" }, "Send a new link from your profile")));
    return;
  }
  history.replaceState(null, "", "/verify-email");
  ctx.main.append(notice("Thank you: your email address is verified."),
    h("p", {}, h("a", { href: "/" }, "Go to the home page")));
}

export async function unsubscribePage(ctx) {
  ctx.title("Stop notification emails");
  const token = tokenFrom(ctx, "query");
  ctx.main.append(h("h1", {}, "Stop notification emails"));
  if (!token) {
    ctx.main.append(notice("This page needs the link from one of our emails."),
      h("p", {}, "You can also choose what you hear on ", h("a", { href: "/profile" }, "your profile"), "."));
    return;
  }
  const form = h("form", { class: "card form narrow" },
    formError(),
    h("p", {}, "You will get no more emails about notifications, neither one by one nor as a " +
      "digest. Emails about your account (a password reset) still come."),
    h("div", { class: "actions" },
      h("button", { type: "submit", class: "primary" }, "Stop notification emails")));
  onSubmit(form, async () => {
    await withLink(() => post("/email/unsubscribe", { token }));
    form.replaceWith(notice("Done: no more notification emails. You can turn them on again on your profile."));
    ctx.announce("Notification emails stopped.");
  });
  ctx.main.append(form,
    h("p", { class: "narrow" }, "Or choose what you hear on ", h("a", { href: "/profile" }, "your profile"), "."));
}
