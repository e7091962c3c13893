// Pages reached from an email: reset a forgotten password (ask for the link, then
// choose a new password with it), verify an address, stop notification emails.
//
// A link's token arrives in the URL's fragment (#token=...), which browsers never
// send to a server; the unsubscribe link carries it in the query instead, because
// mail providers POST to that very URL (RFC 8058).

import { post } from "../api.js";
import { field, formError, h, notice, onSubmit } from "../dom.js";
import { PASSWORD_HINT } from "../password.js";
import { t, tx } from "../i18n.js";

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
    ctx.title(t("auth.forgot"));
    const done = h("div", { role: "status" });
    const form = h("form", { class: "card form narrow" },
      formError(),
      field({ label: t("acct.yourAccountSEmail"), name: "email", type: "email",
        autocomplete: "email", required: true, maxlength: 254 }),
      h("div", { class: "actions" },
        h("button", { type: "submit", class: "primary" }, t("acct.emailMeALink"))));
    onSubmit(form, async (data) => {
      const { message } = await post("/auth/password-reset", { email: data.email });
      done.replaceChildren(notice(t("email.checkInbox", { message })));
    });
    ctx.main.append(
      h("h1", {}, t("auth.forgot")),
      h("p", { class: "lede narrow" },
        t("acct.weEmailYouA")),
      form, done,
      h("p", { class: "narrow" }, t("acct.rememberedIt"), h("a", { href: "/login" }, t("auth.signIn.submit"))),
    );
    return;
  }
  ctx.title(t("acct.chooseANewPassword"));
  const form = h("form", { class: "card form narrow" },
    formError(),
    field({ label: t("password.new"), name: "password", type: "password",
      autocomplete: "new-password", required: true, minlength: 8, maxlength: 128,
      hint: PASSWORD_HINT }),
    h("div", { class: "actions" },
      h("button", { type: "submit", class: "primary" }, t("acct.setTheNewPassword"))));
  onSubmit(form, async (data) => {
    await withLink(() => post("/auth/password-reset/confirm", { token, password: data.password }));
    history.replaceState(null, "", "/reset-password"); // the used link leaves the address bar
    ctx.main.replaceChildren(
      h("h1", { tabindex: "-1" }, t("acct.yourPasswordIsChanged")),
      notice(t("acct.youWereSignedOut")),
      h("p", {}, h("a", { href: "/login" }, t("auth.signIn.submit"))));
    ctx.main.querySelector("h1").focus();
    ctx.announce(t("acct.yourPasswordIsChanged2"));
  });
  ctx.main.append(
    h("h1", {}, t("acct.chooseANewPassword")),
    h("p", { class: "lede narrow" },
      t("acct.everyDeviceSignedIn")),
    form,
    h("p", { class: "narrow" }, t("acct.linkExpired"),
      h("a", { href: "/reset-password" }, t("acct.askForANew"))),
  );
}

export async function verifyEmailPage(ctx) {
  ctx.title(t("acct.verifyYourEmail"));
  ctx.main.append(h("h1", {}, t("acct.verifyYourEmail")));
  const token = tokenFrom(ctx);
  if (!token) {
    ctx.main.append(notice(t("acct.thisPageNeedsThe")),
      h("p", {}, h("a", { href: "/profile" }, t("acct.sendItAgainFrom"))));
    return;
  }
  try {
    await post("/auth/verify-email", { token });
  } catch (err) {
    ctx.main.append(notice(err.message, "error"),
      h("p", {}, h("a", { href: "/profile" }, t("acct.sendANewLink"))));
    return;
  }
  history.replaceState(null, "", "/verify-email");
  ctx.main.append(notice(t("acct.thankYouYourEmail")),
    h("p", {}, h("a", { href: "/" }, t("notFound.home"))));
}

export async function unsubscribePage(ctx) {
  ctx.title(t("acct.stopNotificationEmails"));
  const token = tokenFrom(ctx, "query");
  ctx.main.append(h("h1", {}, t("acct.stopNotificationEmails")));
  if (!token) {
    ctx.main.append(notice(t("acct.thisPageNeedsThe2")),
      h("p", {}, tx("email.alsoChoose", { link: h("a", { href: "/profile" }, t("email.yourProfile")) })));
    return;
  }
  const form = h("form", { class: "card form narrow" },
    formError(),
    h("p", {}, t("email.unsubscribeExplained")),
    h("div", { class: "actions" },
      h("button", { type: "submit", class: "primary" }, t("acct.stopNotificationEmails"))));
  onSubmit(form, async () => {
    await withLink(() => post("/email/unsubscribe", { token }));
    form.replaceWith(notice(t("acct.doneNoMoreNotification")));
    ctx.announce(t("acct.notificationEmailsStopped"));
  });
  ctx.main.append(form,
    h("p", { class: "narrow" }, tx("email.orChoose", { link: h("a", { href: "/profile" }, t("email.yourProfile")) })));
}
