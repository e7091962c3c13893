// The language menu of the header (every page): the seven languages, each
// named in its own language. A choice is remembered in the `lang` cookie and,
// for a signed-in person, saved as the account's locale; then the page loads
// again in that language (its <html lang> and dir follow).

import { patch } from "./api.js";
import { h } from "./dom.js";
import { LANGUAGES, lang, rememberLanguage, supported, t } from "./i18n.js";
import { session } from "./session.js";

/** Saves `code` as the signed-in person's language: the account's `locale`
 * when /me carries one, else the notification preferences' `locale` (which
 * the server's email and notifications read). */
async function saveLocale(user, code) {
  if (Object.hasOwn(user, "locale")) await patch("/me", { locale: code });
  else await patch("/me/preferences", { locale: code });
}

export async function switchLanguage(code, { announce = () => {} } = {}) {
  if (!rememberLanguage(code)) return;
  if (session.user) {
    try {
      await saveLocale(session.user, code);
    } catch (err) {
      announce(t("language.saveFailed", { message: err.message }));
      return;
    }
  }
  location.reload();
}

/** A signed-in person's account language wins over the cookie and the
 * browser's: when it differs from the page's, remember it and load again. */
export function followAccount(user) {
  const wanted = user && supported(user.locale);
  if (!wanted || wanted === lang) return false;
  if (document.cookie.match(/(?:^|;\s*)lang=qps(?:;|$)/)) return false; // the pseudo-locale check
  rememberLanguage(wanted);
  location.reload();
  return true;
}

const SVG = "http://www.w3.org/2000/svg";

/** A globe, drawn (no emoji font is needed to see it). */
function globe() {
  const el = (tag, attrs) => {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    return node;
  };
  const svg = el("svg", { class: "lang-icon", viewBox: "0 0 24 24", width: "20", height: "20",
    "aria-hidden": "true", focusable: "false" });
  svg.append(
    el("circle", { cx: "12", cy: "12", r: "9.5" }),
    el("ellipse", { cx: "12", cy: "12", rx: "4.2", ry: "9.5" }),
    el("path", { d: "M2.5 12h19M4 7h16M4 17h16" }),
  );
  return svg;
}

export function languageMenu({ announce } = {}) {
  const here = LANGUAGES.find((l) => l.code === lang);
  const menu = h("details", { class: "lang-menu" },
    h("summary", {},
      globe(),
      h("span", { class: "visually-hidden" }, t("language.menu")),
      h("span", { class: "lang-name", lang: here.code, dir: here.dir }, here.name)),
    h("ul", { class: "lang-list" }, LANGUAGES.map((l) => h("li", {},
      h("button", {
        type: "button",
        lang: l.code,
        dir: l.dir,
        "aria-current": l.code === lang ? "true" : null,
        onclick: (event) => {
          const button = event.currentTarget;
          button.disabled = true;
          switchLanguage(l.code, { announce }).finally(() => {
            button.disabled = false;
          });
        },
      }, l.name)))));
  menu.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && menu.open) {
      menu.open = false;
      menu.querySelector("summary").focus();
    }
  });
  return menu;
}
