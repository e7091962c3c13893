// Building the DOM safely: text goes in as text, never as markup. The one
// exception is `trustedHtml`, used only for a post's `html`, which the server
// has already sanitized.

import { formatDateTime, relativeTime, t } from "./i18n.js";

/**
 * h("a", {href: "/", class: "x", onclick: fn}, "text", child, [more children])
 * Attribute values are set with setAttribute (or as properties for a few);
 * `on*` keys add event listeners; null/undefined/false attributes are skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === "class") {
      el.className = Array.isArray(value) ? value.filter(Boolean).join(" ") : value;
    } else if (key === "dataset") {
      Object.assign(el.dataset, value);
    } else if (key === "checked") {
      el.checked = el.defaultChecked = Boolean(value);
    } else if (key === "selected") {
      el.selected = el.defaultSelected = Boolean(value);
    } else if (key === "value") {
      el.value = value;
    } else if (value === true) {
      el.setAttribute(key, "");
    } else {
      el.setAttribute(key, String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Empties `el`, then appends `children` (null, undefined and false skipped). */
export function clear(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** `href` read against this page's address, or null when it is no URL a browser can
 * follow ("//[" in a post stored before the server dropped such addresses). Not
 * `URL.canParse`: older browsers lack it. */
export function urlOf(href) {
  try {
    return new URL(href, location.href);
  } catch {
    return null;
  }
}

/** The only place markup from outside enters the page: a post's sanitized html. */
export function trustedHtml(el, html) {
  el.innerHTML = html;
  for (const a of el.querySelectorAll("a[href]")) {
    const url = urlOf(a.getAttribute("href"));
    if (url === null) {
      a.removeAttribute("href"); // its words stay, as text; the rest of the page is drawn
      continue;
    }
    if (url.origin !== location.origin) {
      a.setAttribute("rel", "nofollow noopener noreferrer");
      a.setAttribute("target", "_blank");
    }
  }
  return el;
}

let idCounter = 0;
export function uid(prefix = "id") {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

export function clientId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// ---- time ----------------------------------------------------------------

// In the page's language (i18n.js).
export const relative = relativeTime;

export function timeEl(iso, prefix = "") {
  return h("time", { datetime: iso, title: formatDateTime(iso) }, prefix + relative(iso));
}

// ---- forms ---------------------------------------------------------------

/** A labelled control: returns the wrapper; the control gets `name` and an id. */
export function field({ label, name, type = "text", control, hint, ...attrs }) {
  const id = uid(name);
  let input = control;
  if (!input) {
    input = type === "textarea"
      ? h("textarea", { id, name, rows: attrs.rows || 4, ...attrs })
      : h("input", { id, name, type, ...attrs });
  } else {
    input.id = id;
    input.name = name;
  }
  const hintEl = hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null;
  if (hintEl) input.setAttribute("aria-describedby", hintEl.id);
  return h("div", { class: "field" }, h("label", { for: id }, label), hintEl, input);
}

export function select({ label, name, options, value, hint }) {
  const control = h("select", {},
    options.map(([v, text]) => h("option", { value: v, selected: v === value }, text)));
  return field({ label, name, control, hint });
}

/** Shows an API error on a form: per-field messages next to their controls,
 * anything else in the form's alert area. Returns true if shown. */
export function showFormError(form, err) {
  clearFormErrors(form);
  const general = form.querySelector(".form-error");
  const fields = (err && err.fields) || {};
  const unplaced = [];
  for (const [name, message] of Object.entries(fields)) {
    const control = form.querySelector(`[name="${CSS.escape(name)}"]`);
    if (!control) {
      unplaced.push(t("form.fieldMessage", { name, message }));
      continue;
    }
    const msg = h("p", { class: "field-error", id: uid("err") }, message);
    control.setAttribute("aria-invalid", "true");
    const described = control.getAttribute("aria-describedby");
    control.setAttribute("aria-describedby", described ? `${described} ${msg.id}` : msg.id);
    const wrapper = control.closest(".field, fieldset") || control.parentElement;
    wrapper.append(msg);
  }
  const placed = new Set(Object.values(fields));
  const lead = err && err.message && !placed.has(err.message) ? err.message : null;
  const text = [lead, waitHint(err), ...unplaced].filter(Boolean).join(" ");
  if (general) {
    general.textContent = text || (placed.size ? "" : t("form.failed"));
    // A 402 names the tier that allows this: the way to it is one link away.
    if (err && err.requiredTier) general.append(general.textContent ? " " : "", plansLink(err.requiredTier));
    general.hidden = !general.textContent;
  }
  const firstInvalid = form.querySelector("[aria-invalid=true]");
  if (firstInvalid) firstInvalid.focus();
  return true;
}

/** The link a 402 (or a feature's tier gate) carries to the plans page, naming
 * the tier needed when known and the organization (given, or the one whose page
 * this is), so its admin can ask for that tier there. */
export function plansLink(tier, orgId = null) {
  const org = orgId || (location.pathname.match(/^\/orgs\/(\d+)/) || [])[1];
  const query = new URLSearchParams({ ...(tier ? { tier } : {}), ...(org ? { org } : {}) });
  return h("a", { href: `/plans?${query}`, class: "plans-link" }, t("tiers.comparePlans"));
}

/** "You can try again in about 40 minutes." for a 429 whose message names no
 * time of its own ("Too many sign-ups; try again later."), from Retry-After. */
export function waitHint(err) {
  if (!err || err.status !== 429 || /\d/.test(err.message || "")) return null;
  const seconds = Number(err.retryAfter);
  if (!Number.isFinite(seconds) || seconds <= 0) return null;
  if (seconds < 60) return t("form.waitUnderMinute");
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return t("form.waitMinutes", { count: minutes });
  return t("form.waitHours", { count: Math.ceil(minutes / 60) });
}

export function clearFormErrors(form) {
  for (const msg of form.querySelectorAll(".field-error")) {
    const id = msg.id;
    msg.remove();
    for (const c of form.querySelectorAll(`[aria-describedby~="${id}"]`)) {
      const rest = c.getAttribute("aria-describedby").split(" ").filter((x) => x !== id);
      if (rest.length) c.setAttribute("aria-describedby", rest.join(" "));
      else c.removeAttribute("aria-describedby");
    }
  }
  for (const c of form.querySelectorAll("[aria-invalid]")) c.removeAttribute("aria-invalid");
  const general = form.querySelector(".form-error");
  if (general) {
    general.textContent = "";
    general.hidden = true;
  }
}

/** Carries what the user typed (and where the focus was) from a form that is
 * being redrawn to its replacement. */
export function carryInput(from, to) {
  if (!from) return;
  const focused = from.contains(document.activeElement) ? document.activeElement : null;
  for (const el of from.elements) {
    if (!el.name) continue;
    const twin = [...to.elements].find((t) => t.name === el.name
      && (el.type !== "radio" && el.type !== "checkbox" ? true : t.value === el.value));
    if (!twin) continue;
    if (el.type === "radio" || el.type === "checkbox") twin.checked = el.checked;
    else if (twin.tagName !== "SELECT" || [...twin.options].some((o) => o.value === el.value)) twin.value = el.value;
    if (el === focused) queueMicrotask(() => twin.focus());
  }
}

export function formError() {
  return h("p", { class: "form-error", role: "alert", hidden: true });
}

/** Wires a form: `submit(data, form)` runs with the button disabled; errors are
 * shown on the form and what the user typed stays. */
export function onSubmit(form, submit) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = event.submitter || form.querySelector("button[type=submit], button:not([type])");
    if (form.dataset.busy) return;
    form.dataset.busy = "1";
    if (button) button.disabled = true;
    form.setAttribute("aria-busy", "true");
    clearFormErrors(form);
    try {
      await submit(Object.fromEntries(new FormData(form)), form);
    } catch (err) {
      if (err && err.name === "AbortError") return;
      showFormError(form, err);
    } finally {
      delete form.dataset.busy;
      if (button) button.disabled = false;
      form.removeAttribute("aria-busy");
    }
  });
  return form;
}

// ---- small pieces --------------------------------------------------------

/** Words people wrote (a name, a title) inside a sentence of the page: isolated
 * (`<bdi>`), so an English name in an Arabic sentence, or an Arabic one in an
 * English sentence, keeps its own direction and leaves the sentence's alone. */
export function own(text) {
  return h("bdi", {}, text);
}

export function badge(text, kind = "") {
  return h("span", { class: ["badge", kind && `badge-${kind}`] }, text);
}

export function notice(text, kind = "info") {
  return h("p", { class: `notice notice-${kind}`, role: kind === "error" ? "alert" : null }, text);
}

export function humanize(key) {
  const s = String(key).replace(/_/g, " ");
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export const STAKEHOLDERS = [
  ["citizen", t("stakeholder.citizen")],
  ["business", t("stakeholder.business")],
  ["civil_society", t("stakeholder.civilSociety")],
  ["academia", t("stakeholder.academia")],
  ["government", t("stakeholder.government")],
];

export function stakeholderLabel(value) {
  const found = STAKEHOLDERS.find(([v]) => v === value);
  return found ? found[1] : humanize(value);
}

export const ORG_KINDS = [
  ["local_government", t("orgKind.localGovernment")],
  ["corporation", t("orgKind.corporation")],
  ["institution", t("orgKind.institution")],
];

export function orgKindLabel(value) {
  const found = ORG_KINDS.find(([v]) => v === value);
  return found ? found[1] : humanize(value);
}
