// Choosing a person by name: an ARIA combobox (an input whose list of people is
// a listbox; the option in hand is the input's aria-activedescendant; a live
// region says how many match). Typing the start of a name or a handle asks the
// server (GET /people?q=, or the caller's own search), Up and Down move, Enter
// chooses, Escape closes the list. The form gets the chosen person's id in a
// hidden field; the text box shows their name and handle, never a number.

import { get } from "./api.js";
import { h, stakeholderLabel, uid } from "./dom.js";
import { t } from "./i18n.js";

const WAIT_MS = 150;

/** Asks the server for people matching `q` (moderators and admins). */
export async function findPeople(q, signal) {
  const { users } = await get(`/people?q=${encodeURIComponent(q)}`, { signal });
  return users;
}

/** A labelled person picker. `name` is the hidden field with the chosen id;
 * `search(q, signal)` answers people ({id, display_name, handle, stakeholder_type?}). */
export function personPicker({ label, name = "user_id", hint, search = findPeople, signal }) {
  const inputId = uid("person");
  const listId = uid("people");
  const hintId = hint ? `${inputId}-hint` : null;
  const chosen = h("input", { type: "hidden", name, value: "" });
  const input = h("input", {
    id: inputId, type: "text", name: `${name}_search`, role: "combobox", autocomplete: "off",
    "aria-autocomplete": "list", "aria-expanded": "false", "aria-controls": listId,
    "aria-describedby": hintId, spellcheck: "false", placeholder: t("people.placeholder"),
  });
  const list = h("ul", { id: listId, role: "listbox", class: "mention-list person-list", hidden: true,
    "aria-label": t("people.listLabel", { label }) });
  const status = h("p", { class: "visually-hidden", role: "status" });
  let people = [];
  let active = -1;
  let timer = null;
  let pending = null;

  const close = () => {
    list.hidden = true;
    list.replaceChildren();
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    people = [];
    active = -1;
  };
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
  const choose = (index) => {
    const person = people[index];
    if (!person) return;
    chosen.value = String(person.id);
    input.value = `${person.display_name} (@${person.handle})`;
    input.removeAttribute("aria-invalid");
    close();
    status.textContent = t("people.chose", { name: person.display_name, handle: person.handle });
    input.dispatchEvent(new CustomEvent("person-chosen", { bubbles: true, detail: person }));
  };
  const show = (found) => {
    people = found;
    if (!found.length) {
      close();
      status.textContent = t("people.none");
      return;
    }
    list.replaceChildren(...found.map((person, i) => h("li", {
      id: `${listId}-${i}`, role: "option", "aria-selected": "false", class: "mention-option",
      onmousedown: (e) => e.preventDefault(),
      onclick: () => choose(i),
    }, h("span", { class: "mention-name" }, person.display_name), " ",
    h("span", { class: "muted" }, `@${person.handle}`),
    person.stakeholder_type ? h("span", { class: "muted small" }, ` · ${stakeholderLabel(person.stakeholder_type)}`) : null)));
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    highlight(0);
    status.textContent = t("people.matches", { count: found.length });
  };
  const lookUp = () => {
    clearTimeout(timer);
    chosen.value = "";
    const q = input.value.trim();
    if (!q) {
      close();
      return;
    }
    timer = setTimeout(async () => {
      if (pending) pending.abort();
      pending = new AbortController();
      const abort = () => pending && pending.abort();
      signal?.addEventListener("abort", abort, { once: true });
      try {
        show(await search(q, pending.signal));
      } catch (err) {
        if (err.name !== "AbortError") {
          close();
          status.textContent = err.message;
        }
      } finally {
        signal?.removeEventListener("abort", abort);
      }
    }, WAIT_MS);
  };
  input.addEventListener("input", lookUp);
  input.addEventListener("keydown", (e) => {
    if (e.isComposing) return;
    if (list.hidden) {
      if (e.key === "ArrowDown" && input.value.trim()) {
        e.preventDefault();
        lookUp();
      }
      return;
    }
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      highlight((active + (e.key === "ArrowDown" ? 1 : -1) + people.length) % people.length);
    } else if (e.key === "Enter" && active >= 0) {
      e.preventDefault();
      choose(active);
    } else if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      close();
    }
  });
  input.addEventListener("blur", () => setTimeout(() => {
    if (document.activeElement !== input) close();
  }, 150));
  const wrapper = h("div", { class: "field person-picker" },
    h("label", { for: inputId }, label),
    hint ? h("p", { class: "hint", id: hintId }, hint) : null,
    h("div", { class: "mention-box" }, input, list), chosen, status);
  wrapper.reset = () => {
    chosen.value = "";
    input.value = "";
    close();
  };
  return wrapper;
}

/** The id a form's picker holds, or throws the field's error (for onSubmit). */
export function chosenId(data, name = "user_id") {
  const id = Number(data[name]);
  if (Number.isInteger(id) && id > 0) return id;
  const err = new Error(t("people.choose"));
  err.fields = { [`${name}_search`]: t("people.chooseHint") };
  throw err;
}
