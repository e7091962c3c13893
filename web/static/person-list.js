// The list of people under a text box that looks them up: the person picker
// (people.js) and the composer's "@" autocomplete (mentions.js). An ARIA
// listbox whose option in hand is the text box's aria-activedescendant; the
// element that owns the list says whether it is open (aria-expanded). Each
// look-up waits for a pause in typing, and a newer one, or leaving the page,
// cancels the one in flight.

import { h, stakeholderLabel, uid } from "./dom.js";

const WAIT_MS = 150;

/** `input`: the text box; `expander`: the element with aria-expanded (the box
 * itself, or the combobox around a text area); `onChoose(person)`. */
export function personList({ input, expander = input, label, className = "mention-list", onChoose }) {
  const id = uid("people");
  const list = h("ul", { id, role: "listbox", class: className, hidden: true, "aria-label": label });
  let people = [];
  let active = -1;

  const highlight = (index) => {
    active = index;
    [...list.children].forEach((li, i) => li.setAttribute("aria-selected", String(i === index)));
    const option = list.children[index];
    if (option) {
      input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  };
  const close = () => {
    list.hidden = true;
    list.replaceChildren();
    expander.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    people = [];
    active = -1;
  };
  const choose = (index) => {
    const person = people[index];
    if (person) onChoose(person);
  };
  return {
    id,
    list,
    close,
    get open() {
      return !list.hidden;
    },
    /** Arrow keys: the next (1) or previous (-1) person, round the list. */
    move(step) {
      highlight((active + step + people.length) % people.length);
    },
    /** Enter: the person in hand, if any; false when there is none. */
    chooseActive() {
      if (active < 0) return false;
      choose(active);
      return true;
    },
    /** Shows `found` (the first in hand), or closes on nobody; answers how many. */
    show(found) {
      people = found;
      if (!found.length) {
        close();
        return 0;
      }
      list.replaceChildren(...found.map((person, i) => h("li", {
        id: `${id}-${i}`, role: "option", "aria-selected": "false", class: "mention-option",
        onmousedown: (e) => e.preventDefault(), // keep the focus in the text box
        onclick: () => choose(i),
      }, h("span", { class: "mention-name", dir: "auto" }, person.display_name), " ",
      h("span", { class: "muted" }, `@${person.handle}`),
      person.stakeholder_type
        ? h("span", { class: "muted small" }, ` · ${stakeholderLabel(person.stakeholder_type)}`)
        : null)));
      list.hidden = false;
      expander.setAttribute("aria-expanded", "true");
      highlight(0);
      return found.length;
    },
  };
}

/** Look-ups after a pause in typing: `later(ask, failed)` calls `ask(abortSignal)`
 * once typing stops for a moment; a newer look-up, `cancel()` or the page's
 * `signal` cancels the one waiting or in flight, and `failed(err)` hears of any
 * other failure. */
export function afterAPause(signal) {
  let timer = null;
  let pending = null;
  return {
    cancel() {
      clearTimeout(timer);
    },
    later(ask, failed) {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        if (pending) pending.abort();
        pending = new AbortController();
        const abort = () => pending && pending.abort();
        signal?.addEventListener("abort", abort, { once: true });
        try {
          await ask(pending.signal);
        } catch (err) {
          if (err.name !== "AbortError") failed(err);
        } finally {
          signal?.removeEventListener("abort", abort);
        }
      }, WAIT_MS);
    },
  };
}
