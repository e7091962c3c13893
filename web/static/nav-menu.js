// The header's menu button (issue 17): on a phone, a signed-in person's header is
// one line (the brand, the bell, the language menu, the connection and "Menu");
// the search box and the main navigation fold into the panel the button
// discloses. A disclosure, not an ARIA menu: the panel holds a form and links.
// `aria-expanded` says whether it is open; Escape closes it and puts the focus
// back on the button; a click outside the header and a new page close it.
// From 40rem up the button is not shown and the panel is always open (app.css).

import { h } from "./dom.js";
import { t } from "./i18n.js";

const SVG = "http://www.w3.org/2000/svg";

/** Three bars, drawn (no icon font is needed to see them). */
function bars() {
  const svg = document.createElementNS(SVG, "svg");
  for (const [k, v] of Object.entries({ viewBox: "0 0 24 24", width: "20", height: "20",
    "aria-hidden": "true", focusable: "false", class: "nav-toggle-icon" })) svg.setAttribute(k, v);
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", "M3 6h18M3 12h18M3 18h18");
  svg.append(path);
  return svg;
}

let toggle = null;
let panel = null;

function setOpen(open, { focusButton = false } = {}) {
  if (!toggle) return;
  toggle.setAttribute("aria-expanded", String(open));
  panel.classList.toggle("is-open", open);
  if (focusButton) toggle.focus();
}

/** Whether the panel is open (on a desktop it is shown whatever this says). */
export function menuOpen() {
  return Boolean(toggle) && toggle.getAttribute("aria-expanded") === "true";
}

/** Folds the panel (a new page, or the person signed out). */
export function closeMenu() {
  setOpen(false);
}

/** Puts the button right after the brand, once. */
export function setUpMenu() {
  panel = document.getElementById("nav-panel");
  const brand = document.querySelector(".site-header .brand");
  if (!panel || !brand || toggle) return;
  toggle = h("button", {
    type: "button",
    class: "nav-toggle",
    "aria-expanded": "false",
    "aria-controls": panel.id,
    onclick: () => setOpen(!menuOpen()),
  }, bars(), h("span", {}, t("nav.menu")));
  brand.after(toggle);
  const header = brand.closest(".site-header");
  header.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || !menuOpen()) return;
    // Escape in the language menu closes that menu only.
    if (event.target.closest(".lang-menu")) return;
    event.preventDefault();
    setOpen(false, { focusButton: true });
  });
  document.addEventListener("click", (event) => {
    if (menuOpen() && !header.contains(event.target)) setOpen(false);
  });
}

/** Whether the header folds on a phone: only for a signed-in person, whose header
 * holds the bell, moderation, admin, profile and sign-out. */
export function foldFor(user) {
  const header = document.querySelector(".site-header");
  if (header) header.classList.toggle("is-signed-in", Boolean(user));
  if (!user) closeMenu();
}
