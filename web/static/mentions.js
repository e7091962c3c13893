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
import { afterAPause, personList } from "./person-list.js";

// "@" not inside a word or an address, then what may begin a handle or a name (in
// any script: "@김" finds 김민지 by her name), up to the caret.
const BEFORE_CARET = /(?:^|[^\p{L}\p{N}._%+\-/@])@([\p{L}\p{N}._-]{0,30})$/u;

/** Wraps `area` (a textarea already in its .field) in the combobox; `spaceId()`
 * answers the space whose participants to offer. Call before other keydown
 * handlers of `area`, so Escape closes the list rather than the form. */
export function attachMentions(area, { spaceId, signal }) {
  const label = area.closest(".field")?.querySelector("label");
  if (label && !label.id) label.id = uid("mention-label");
  const status = h("p", { class: "visually-hidden", role: "status" });
  const box = h("div", { class: "mention-box", role: "combobox", "aria-expanded": "false",
    "aria-haspopup": "listbox", "aria-labelledby": label && label.id ? label.id : null });
  let query = null; // [start of "@", caret] of the mention being typed
  const people = personList({
    input: area, expander: box, label: t("acct.peopleToMention"),
    onChoose: (person) => {
      if (!query) return;
      const [start, end] = query;
      area.setRangeText(`@${person.handle} `, start, end, "end");
      area.dispatchEvent(new Event("input", { bubbles: true }));
      people.close();
      query = null;
      status.textContent = t("mentions.done", { name: person.display_name, handle: person.handle });
    },
  });
  box.setAttribute("aria-owns", people.id);
  box.setAttribute("aria-controls", people.id);
  area.setAttribute("aria-autocomplete", "list");
  area.setAttribute("aria-controls", people.id);
  area.replaceWith(box);
  box.append(area, people.list);
  box.after(status);
  const pause = afterAPause(signal);

  const lookUp = () => {
    pause.cancel();
    const caret = area.selectionStart;
    const match = area.selectionEnd === caret ? BEFORE_CARET.exec(area.value.slice(0, caret)) : null;
    if (!match) {
      query = null;
      if (people.open) people.close();
      return;
    }
    const prefix = match[1];
    query = [caret - prefix.length - 1, caret];
    pause.later(async (aborted) => {
      const { users } = await get(
        `/spaces/${spaceId()}/participants?prefix=${encodeURIComponent(prefix)}`,
        { signal: aborted });
      if (!query) return;
      const count = people.show(users);
      status.textContent = count
        ? `${t("mentions.matches", { count })} ${t("acct.upAndDownTo")}`
        : t("acct.noOneHereMatches");
    }, () => people.close());
  };

  area.addEventListener("input", lookUp);
  area.addEventListener("click", lookUp);
  area.addEventListener("keydown", (e) => {
    // While an input method composes (Korean, Japanese...), its keys are its own.
    if (!people.open || e.isComposing) return;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      people.move(e.key === "ArrowDown" ? 1 : -1);
    } else if ((e.key === "Enter" || e.key === "Tab") && !e.shiftKey) {
      if (!people.chooseActive()) return;
      e.preventDefault();
      e.stopImmediatePropagation();
    } else if (e.key === "Escape") {
      e.preventDefault();
      e.stopImmediatePropagation();
      people.close();
      query = null;
      status.textContent = t("acct.closedTheListOf");
    }
  });
  area.addEventListener("blur", () => setTimeout(() => {
    if (document.activeElement !== area) people.close();
  }, 100));
  return box;
}
