// A menu button (the WAI-ARIA menu button pattern), for a post on a phone:
// its actions behind "More" and the reactions behind "React", so a post is
// one row of buttons. The button says aria-haspopup and aria-expanded; the
// menu opens on click, Enter, Space or the arrow keys with its first (or, on
// Up, last) item focused; Up, Down, Home and End move between items; Escape
// closes it and gives focus back to the button; Tab closes it and goes on; a
// click elsewhere closes it. One menu is open at a time.

import { h, uid } from "../dom.js";

let openMenu = null; // {close} of the menu open now

/** `label`: the button's text (and `name`, its accessible name when the text
 * is short); `items`: [{text, act, checked?}] (checked: a menuitemcheckbox).
 * Answers the wrapper element. */
export function menuButton({ label, name = null, items, className = "" }) {
  const menuId = uid("menu");
  const button = h("button", {
    type: "button", class: ["menu-button", className], "aria-haspopup": "menu",
    "aria-expanded": "false", "aria-controls": menuId, "aria-label": name,
  }, label);
  const menu = h("ul", { class: "menu", role: "menu", id: menuId, hidden: true, "aria-label": name || label });
  const wrap = h("div", { class: "menu-wrap" }, button, menu);
  const entries = items.map((item) => {
    const el = h("button", {
      type: "button", tabindex: "-1",
      role: item.checked === undefined ? "menuitem" : "menuitemcheckbox",
      "aria-checked": item.checked === undefined ? null : String(item.checked),
      onclick: () => {
        close(true);
        item.act();
      },
    }, item.text);
    menu.append(h("li", { role: "none" }, el));
    return el;
  });

  const onOutside = (e) => {
    if (!wrap.contains(e.target)) close(false);
  };
  function open(at) {
    if (openMenu) openMenu.close(false);
    menu.hidden = false;
    button.setAttribute("aria-expanded", "true");
    openMenu = { close };
    document.addEventListener("pointerdown", onOutside, true);
    entries[at === "last" ? entries.length - 1 : 0]?.focus();
  }
  function close(refocus) {
    if (menu.hidden) return;
    menu.hidden = true;
    button.setAttribute("aria-expanded", "false");
    document.removeEventListener("pointerdown", onOutside, true);
    if (openMenu && openMenu.close === close) openMenu = null;
    if (refocus) button.focus();
  }

  button.addEventListener("click", () => (menu.hidden ? open("first") : close(true)));
  button.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      e.stopPropagation(); // not the thread's move between posts
      open(e.key === "ArrowUp" ? "last" : "first");
    }
  });
  menu.addEventListener("keydown", (e) => {
    const at = entries.indexOf(document.activeElement);
    const go = (i) => entries[(i + entries.length) % entries.length].focus();
    const keys = {
      ArrowDown: () => go(at + 1),
      ArrowUp: () => go(at - 1),
      Home: () => go(0),
      End: () => go(entries.length - 1),
      Escape: () => close(true),
    };
    if (keys[e.key]) {
      e.preventDefault();
      e.stopPropagation();
      keys[e.key]();
    } else if (e.key === "Tab") {
      close(false);
    }
  });
  return wrap;
}
