// The composer's "@" autocomplete: typing "@" and the start of a handle or a
// name offers the space's participants (GET /spaces/{id}/participants?prefix=),
// as an ARIA combobox around the text area: the list is a listbox, the option
// in hand is the text area's aria-activedescendant, the combobox says whether
// the list is open (aria-expanded), and a live region says how many people
// match. Up and Down move, Enter or Tab mentions, Escape closes the list (and
// only the list); the mouse works too. The text keeps "@handle ", which the
// server links when the post is rendered.

import { get } from "./api.js";
import { h, uid } from "./dom.js";
import { t } from "./i18n.js";

// "@" not inside a word or an address, then what may begin a handle or a name (in
// any script: "@김" finds 김민지 by her name), up to the caret.
const BEFORE_CARET = /(?:^|[^\p{L}\p{N}._%+\-/@])@([\p{L}\p{N}._-]{0,30})$/u;
const WAIT_MS = 150;

/** Wraps `area` (a textarea already in its .field) in the combobox; `spaceId()`
 * answers the space whose participants to offer. Call before other keydown
 * handlers of `area`, so Escape closes the list rather than the form. */
export function attachMentions(area, { spaceId, signal }) {
  const listId = uid("mention-list");
  const label = area.closest(".field")?.querySelector("label");
  if (label && !label.id) label.id = uid("mention-label");
  const list = h("ul", { id: listId, role: "listbox", class: "mention-list", hidden: true,
    "aria-label": t("acct.peopleToMention") });
  const status = h("p", { class: "visually-hidden", role: "status" });
  const box = h("div", { class: "mention-box", role: "combobox", "aria-expanded": "false",
    "aria-haspopup": "listbox", "aria-owns": listId, "aria-controls": listId,
    "aria-labelledby": label && label.id ? label.id : null });
  area.setAttribute("aria-autocomplete", "list");
  area.setAttribute("aria-controls", listId);
  area.replaceWith(box);
  box.append(area, list);
  box.after(status);

  let people = [];
  let active = -1;
  let query = null; // [start of "@", caret] of the mention being typed
  let timer = null;
  let pending = null;

  const close = () => {
    list.hidden = true;
    list.replaceChildren();
    box.setAttribute("aria-expanded", "false");
    area.removeAttribute("aria-activedescendant");
    people = [];
    active = -1;
  };

  const highlight = (index) => {
    active = index;
    [...list.children].forEach((li, i) => li.setAttribute("aria-selected", String(i === index)));
    const chosen = list.children[index];
    if (chosen) {
      area.setAttribute("aria-activedescendant", chosen.id);
      chosen.scrollIntoView({ block: "nearest" });
    } else {
      area.removeAttribute("aria-activedescendant");
    }
  };

  const choose = (index) => {
    const person = people[index];
    if (!person || !query) return;
    const [start, end] = query;
    const text = `@${person.handle} `;
    area.setRangeText(text, start, end, "end");
    area.dispatchEvent(new Event("input", { bubbles: true }));
    close();
    query = null;
    status.textContent = t("mentions.done", { name: person.display_name, handle: person.handle });
  };

  const show = (found) => {
    people = found;
    if (!found.length) {
      close();
      status.textContent = t("acct.noOneHereMatches");
      return;
    }
    list.replaceChildren(...found.map((person, i) => h("li", {
      id: `${listId}-${i}`, role: "option", "aria-selected": "false", class: "mention-option",
      onmousedown: (e) => e.preventDefault(), // keep the focus in the text area
      onclick: () => choose(i),
    }, h("span", { class: "mention-name" }, person.display_name), " ",
    h("span", { class: "muted" }, `@${person.handle}`))));
    list.hidden = false;
    box.setAttribute("aria-expanded", "true");
    highlight(0);
    status.textContent = `${found.length} ${found.length === 1 ? "person matches" : "people match"}. ` +
      t("acct.upAndDownTo");
  };

  const lookUp = () => {
    clearTimeout(timer);
    const caret = area.selectionStart;
    const match = area.selectionEnd === caret ? BEFORE_CARET.exec(area.value.slice(0, caret)) : null;
    if (!match) {
      query = null;
      if (!list.hidden) close();
      return;
    }
    const prefix = match[1];
    query = [caret - prefix.length - 1, caret];
    timer = setTimeout(async () => {
      if (pending) pending.abort();
      pending = new AbortController();
      const abort = () => pending && pending.abort();
      signal?.addEventListener("abort", abort, { once: true });
      try {
        const { users } = await get(
          `/spaces/${spaceId()}/participants?prefix=${encodeURIComponent(prefix)}`,
          { signal: pending.signal });
        if (query) show(users);
      } catch (err) {
        if (err.name !== "AbortError") close();
      } finally {
        signal?.removeEventListener("abort", abort);
      }
    }, WAIT_MS);
  };

  area.addEventListener("input", lookUp);
  area.addEventListener("click", lookUp);
  area.addEventListener("keydown", (e) => {
    // While an input method composes (Korean, Japanese...), its keys are its own.
    if (list.hidden || e.isComposing) return;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const step = e.key === "ArrowDown" ? 1 : -1;
      highlight((active + step + people.length) % people.length);
    } else if ((e.key === "Enter" || e.key === "Tab") && active >= 0 && !e.shiftKey) {
      e.preventDefault();
      e.stopImmediatePropagation();
      choose(active);
    } else if (e.key === "Escape") {
      e.preventDefault();
      e.stopImmediatePropagation();
      close();
      query = null;
      status.textContent = t("acct.closedTheListOf");
    }
  });
  area.addEventListener("blur", () => setTimeout(() => {
    if (document.activeElement !== area) close();
  }, 100));
  return box;
}
