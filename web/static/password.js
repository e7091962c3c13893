// Passwords on the profile: the card that changes yours (the current one is asked
// for; your other devices are signed out) and sends the link that verifies your
// email address again; and the words every new-password field shows.

import { post } from "./api.js";
import { field, formError, h, notice, onSubmit } from "./dom.js";
import { t } from "./i18n.js";

export const PASSWORD_HINT = t("password.hint");

/** The profile's card: change the password; send the verification link again. */
export function passwordCard(ctx, user) {
  const form = h("form", { class: "form" },
    formError(),
    field({ label: t("password.current"), name: "current_password", type: "password",
      autocomplete: "current-password", required: true, maxlength: 256 }),
    field({ label: t("password.new"), name: "new_password", type: "password",
      autocomplete: "new-password", required: true, minlength: 8, maxlength: 128,
      hint: PASSWORD_HINT }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("password.change"))));
  const done = h("div", { role: "status" });
  onSubmit(form, async (data) => {
    done.replaceChildren();
    await post("/me/password", data);
    form.reset();
    done.replaceChildren(notice(t("password.changed")));
  });

  let verify = null;
  if (!user.email_verified_at) {
    const said = h("div", { role: "status" });
    const button = h("button", { type: "button", onclick: async () => {
      button.disabled = true;
      try {
        const { message } = await post("/auth/verify-email/resend");
        said.replaceChildren(notice(message));
      } catch (err) {
        said.replaceChildren(notice(err.message, "error"));
      } finally {
        button.disabled = false;
      }
    } }, t("password.resend"));
    verify = h("div", {},
      h("p", {}, t("password.notVerified")),
      h("p", {}, button), said);
  }
  return h("section", { class: "card", "aria-labelledby": "password-h" },
    h("h2", { id: "password-h" }, t("password.heading")),
    verify,
    form, done);
}
