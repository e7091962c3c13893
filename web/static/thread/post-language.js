// A post's language (issue 20): the composer's "Language" choice, which lets
// the author say it instead of the server detecting it from the text, and the
// line on a post written in another language than the page's.
//
// The choice offers "Detect automatically", the seven languages of the site
// (GET /locales; i18n.js's LANGUAGES, named in themselves) and a few other
// common ones, the languages of member cities first (Baku, Kabul, Addis
// Ababa), each named in itself by Intl (or OWN_NAMES where Intl cannot). A post's current language is added when
// it is none of these (the API takes any BCP 47 tag).

import { select } from "../dom.js";
import { LANGUAGES, lang as pageLang, languageName, t } from "../i18n.js";

const COMMON = ["az", "fa", "ps", "am", "uk", "de", "it", "pt", "zh", "ja", "hi"];
// Own names Chromium's ICU data lacks (Intl answers the English one, "Pashto"):
// written here, as i18n.js writes the site's seven.
const OWN_NAMES = { ps: "پښتو" };

/** The primary language of a tag, lower case ("pt-BR" → "pt"). */
const base = (tag) => String(tag || "").split("-")[0].toLowerCase();

/** The "Language" control; `current` is the post's language when it is edited;
 * `label` where "Language" alone would be ambiguous (the space page also filters
 * its topics by language). */
export function languageChoice(current = null, label = t("composer.lang.label")) {
  const codes = [...LANGUAGES.map((l) => l.code), ...COMMON];
  if (current && !codes.includes(current)) codes.push(current);
  const options = [["", t("composer.lang.auto")],
    ...codes.map((code) => [code, LANGUAGES.find((l) => l.code === code)?.name || OWN_NAMES[code] || languageName(code, code)])];
  const control = select({ label, name: "lang", options, value: current || "" });
  control.classList.add("lang-choice");
  // Each name is in its own language (and script direction): said right by a screen reader.
  for (const option of control.querySelectorAll("option")) {
    if (option.value) {
      option.lang = option.value;
      option.dir = "auto";
    }
  }
  return control;
}

/** "in Spanish" for a post whose language is not the page's, else null. */
export function languageWords(tag) {
  if (!tag || base(tag) === base(pageLang)) return null;
  return t("post.lang", { language: languageName(tag) });
}
