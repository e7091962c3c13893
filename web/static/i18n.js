// The page's language and every word the front end shows (issue 20).
//
// The language is chosen once, when this module loads: the `lang` cookie (set by
// the language menu), else the language the server chose for the page (the
// `<html lang>` it served: the account's locale, the cookie or Accept-Language),
// else the browser's languages, else English. A signed-in person's account
// `locale` wins over all of these: app.js switches to it after /me
// (`followAccount`). Its catalogue, web/static/i18n/<lang>.json, and the
// English one are fetched here with a top-level await, so every module that
// imports this one can call t() synchronously: no build step.
//
//   t("nav.home")                        → "Home" / "홈" / "الرئيسية"
//   t("topic.by", { name })              → "{name}" replaced (as text)
//   t("search.results", { count: 3 })    → a plural entry: { "one": …, "other": … }
//                                          picked with Intl.PluralRules(count)
//   tx("auth.needed", { link: h("a", …) }) → an array of strings and nodes, for
//                                          sentences with a link or a mark inside
//   formatNumber, formatDate, formatDateTime, relativeTime: Intl in the page's language
//
// Keys and catalogues: docs/languages.md ("Adding a string").

export const LANGUAGES = [
  { code: "en", name: "English", dir: "ltr" },
  { code: "ko", name: "한국어", dir: "ltr" },
  { code: "es", name: "Español", dir: "ltr" },
  { code: "fr", name: "Français", dir: "ltr" },
  { code: "ru", name: "Русский", dir: "ltr" },
  { code: "tr", name: "Türkçe", dir: "ltr" },
  { code: "ar", name: "العربية", dir: "rtl" },
];
const CODES = LANGUAGES.map((l) => l.code);
// The pseudo-locale of the catalogue check (tests/browser/test_languages.py):
// English text in ⟦…⟧, so a word on the page without the brackets did not
// come from the catalogue. Only reachable through the cookie.
const PSEUDO = "qps";

/** The supported language of a BCP 47 tag ("ko-KR" → "ko"), or null. */
export function supported(tag) {
  if (!tag) return null;
  const base = String(tag).trim().toLowerCase().split(/[-_]/)[0];
  return CODES.includes(base) ? base : null;
}

function cookieLang() {
  const m = document.cookie.match(/(?:^|;\s*)lang=([^;]*)/);
  if (!m) return null;
  const value = decodeURIComponent(m[1]);
  return value === PSEUDO ? PSEUDO : supported(value);
}

function choose() {
  const fromCookie = cookieLang();
  if (fromCookie) return fromCookie;
  // index.html says "en"; a server that chose another language says so.
  const served = supported(document.documentElement.getAttribute("lang"));
  if (served && served !== "en") return served;
  for (const tag of navigator.languages || [navigator.language]) {
    const found = supported(tag);
    if (found) return found;
  }
  return "en";
}

async function fetchCatalogue(code) {
  try {
    const res = await fetch(`/static/i18n/${code}.json`, { credentials: "same-origin" });
    if (res.ok) return await res.json();
    console.warn(`catalogue ${code}: HTTP ${res.status}`);
  } catch (err) {
    console.warn(`catalogue ${code}:`, err);
  }
  return {};
}

const chosen = choose();
const pseudo = chosen === PSEUDO;
/** The page's language: one of LANGUAGES' codes. */
export const lang = pseudo ? "en" : chosen;
export const dir = LANGUAGES.find((l) => l.code === lang).dir;

const [english, own] = await Promise.all([
  fetchCatalogue("en"),
  lang === "en" ? null : fetchCatalogue(lang),
]);
const catalogue = own || english;
const plurals = new Intl.PluralRules(lang);

document.documentElement.lang = lang;
document.documentElement.dir = dir;

function lookup(key, count) {
  let entry = Object.hasOwn(catalogue, key) ? catalogue[key] : english[key];
  if (entry === undefined) {
    console.warn(`i18n: no string "${key}"`);
    return key;
  }
  if (entry !== null && typeof entry === "object") {
    const n = Number(count);
    entry = entry[plurals.select(Number.isFinite(n) ? n : 0)] ?? entry.other;
  }
  return entry;
}

// A value that ends a sentence ("Acme Inc.", "Where should bike lanes go?", a
// server's message), then the template's own full stop or colon, maybe after a
// closing quote: "Acme Inc..", "go?.", "“Spam.”.", "Refused.: ..." (issue 17).
const ENDS_SENTENCE = /[.!?…。！？]$/;
const STOP_AFTER = /^(["”’»」)]*)[.。]/;
const COLON_AFTER = /^\s*:/;

/** Drops the doubled mark where a filled-in value meets the template's text:
 * the template's full stop after a value that ends a sentence, a value's full
 * stop before the template's colon. */
function undouble(pieces, filled) {
  for (let i = 0; i < pieces.length - 1; i += 1) {
    const value = pieces[i];
    const next = pieces[i + 1];
    if (!filled[i] || typeof value !== "string" || typeof next !== "string") continue;
    const end = value.trimEnd();
    if (ENDS_SENTENCE.test(end)) {
      const m = next.match(STOP_AFTER);
      if (m) pieces[i + 1] = m[1] + next.slice(m[0].length);
    }
    if (/[^.]\.$/.test(end) && COLON_AFTER.test(next)) pieces[i] = end.slice(0, -1);
  }
  return pieces;
}

function parts(key, vars) {
  const template = lookup(key, vars && vars.count);
  const filled = [];
  const pieces = template.split(/(\{[A-Za-z_][\w]*\})/).map((piece, i) => {
    const m = piece.match(/^\{([A-Za-z_][\w]*)\}$/);
    if (!m || !vars || !Object.hasOwn(vars, m[1])) return pseudo && piece ? `⟦${piece}⟧` : piece;
    const value = vars[m[1]];
    filled[i] = true;
    return typeof value === "number" ? formatNumber(value) : value;
  });
  return undouble(pieces, filled);
}

/** The catalogue's text for `key`, with `{name}` placeholders filled from
 * `vars` (numbers formatted for the language; `count` also picks the plural). */
export function t(key, vars) {
  return parts(key, vars).map((p) => (p === null || p === undefined ? "" : String(p))).join("");
}

/** Like t(), but a placeholder may be a DOM node (a link, a mark): returns an
 * array for h() / append(). */
export function tx(key, vars) {
  return parts(key, vars).filter((p) => p !== "" && p !== null && p !== undefined);
}

/** Whether the catalogue has `key` (for words chosen from server values, e.g.
 * an act's name, with a readable fallback when a new one appears). */
export function has(key) {
  return Object.hasOwn(english, key);
}

// ---- numbers, dates and times in the page's language -----------------------

const numbers = new Intl.NumberFormat(lang);
const dateTimes = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" });
const dates = new Intl.DateTimeFormat(lang, { dateStyle: "medium" });
const relatives = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });

export function formatNumber(n, options) {
  return options ? new Intl.NumberFormat(lang, options).format(n) : numbers.format(n);
}

export function formatDateTime(value) {
  return dateTimes.format(value instanceof Date ? value : new Date(value));
}

export function formatDate(value) {
  return dates.format(value instanceof Date ? value : new Date(value));
}

/** "3 minutes ago", "in 2 days", "just now"; a full date after a month. */
export function relativeTime(value) {
  const then = (value instanceof Date ? value : new Date(value)).getTime();
  const seconds = Math.round((then - Date.now()) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return t("time.justNow");
  if (abs < 3600) return relatives.format(Math.round(seconds / 60), "minute");
  if (abs < 86400) return relatives.format(Math.round(seconds / 3600), "hour");
  if (abs < 86400 * 30) return relatives.format(Math.round(seconds / 86400), "day");
  return formatDateTime(then);
}

/** A list in the language's way: "a, b and c" / "a, b et c" (English without
 * the serial comma, as the site always wrote it). */
export function formatList(items, type = "conjunction") {
  return new Intl.ListFormat(lang === "en" ? "en-GB" : lang, { style: "long", type }).format(items.map(String));
}

/** A language's name (BCP 47 `tag`) in `inLanguage` (default: the page's):
 * "Spanish", "스페인어"; in itself with `inLanguage` = `tag`: "español". The tag
 * itself when Intl does not know it. */
export function languageName(tag, inLanguage = lang) {
  try {
    const name = new Intl.DisplayNames([inLanguage], { type: "language" }).of(tag);
    return name || tag;
  } catch {
    return tag;
  }
}

// ---- the static page (index.html) ------------------------------------------

/** Fills elements of index.html marked `data-i18n="key"` (their text) and
 * `data-i18n-attrs="attr:key attr:key"` (attributes) from the catalogue. */
export function translateStatic(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-attrs]")) {
    for (const pair of el.dataset.i18nAttrs.trim().split(/\s+/)) {
      const at = pair.indexOf(":");
      el.setAttribute(pair.slice(0, at), t(pair.slice(at + 1)));
    }
  }
}

// ---- choosing another language ---------------------------------------------

/** Remembers `code` in the `lang` cookie (a year; the server reads it too). */
export function rememberLanguage(code) {
  const value = code === PSEUDO ? PSEUDO : supported(code);
  if (!value) return false;
  const secure = location.protocol === "https:" ? "; Secure" : "";
  document.cookie = `lang=${value}; Path=/; Max-Age=31536000; SameSite=Lax${secure}`;
  return true;
}
