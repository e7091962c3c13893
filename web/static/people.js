// Choosing a person by name: an ARIA combobox (an input whose list of people is
// a listbox; the option in hand is the input's aria-activedescendant; a live
// region says how many match). Typing the start of a name or a handle asks the
// server (GET /people?q=, or the caller's own search), Up and Down move, Enter
// chooses, Escape closes the list. The form gets the chosen person's id in a
// hidden field; the text box shows their name and handle, never a number.

import { get } from "./api.js";
import { h, uid } from "./dom.js";
import { t } from "./i18n.js";
import { afterAPause, personList } from "./person-list.js";

/** Asks the server for people matching `q` (moderators and admins). */
export async function findPeople(q, signal) {
  const { users } = await get(`/people?q=${encodeURIComponent(q)}`, { signal });
  return users;
}

/** A labelled person picker. `name` is the hidden field with the chosen id;
 * `search(q, signal)` answers people ({id, display_name, handle, stakeholder_type?}). */
export function personPicker({ label, name = "user_id", hint, search = findPeople, signal }) {
  const inputId = uid("person");
  const hintId = hint ? `${inputId}-hint` : null;
  const chosen = h("input", { type: "hidden", name, value: "" });
  const input = h("input", {
    id: inputId, type: "text", name: `${name}_search`, role: "combobox", autocomplete: "off",
    "aria-autocomplete": "list", "aria-expanded": "false",
    "aria-describedby": hintId, spellcheck: "false", placeholder: t("people.placeholder"),
  });
  const status = h("p", { class: "visually-hidden", role: "status" });
  const people = personList({
    input, label: t("people.listLabel", { label }), className: "mention-list person-list",
    onChoose: (person) => {
      chosen.value = String(person.id);
      input.value = `${person.display_name} (@${person.handle})`;
      input.removeAttribute("aria-invalid");
      people.close();
      status.textContent = t("people.chose", { name: person.display_name, handle: person.handle });
      input.dispatchEvent(new CustomEvent("person-chosen", { bubbles: true, detail: person }));
    },
  });
  input.setAttribute("aria-controls", people.id);
  const pause = afterAPause(signal);

  const lookUp = () => {
    pause.cancel();
    chosen.value = "";
    const q = input.value.trim();
    if (!q) {
      people.close();
      return;
    }
    pause.later(async (aborted) => {
      const count = people.show(await search(q, aborted));
      status.textContent = count ? t("people.matches", { count }) : t("people.none");
    }, (err) => {
      people.close();
      status.textContent = err.message;
    });
  };
  input.addEventListener("input", lookUp);
  input.addEventListener("keydown", (e) => {
    if (e.isComposing) return;
    if (!people.open) {
      if (e.key === "ArrowDown" && input.value.trim()) {
        e.preventDefault();
        lookUp();
      }
      return;
    }
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      people.move(e.key === "ArrowDown" ? 1 : -1);
    } else if (e.key === "Enter") {
      if (people.chooseActive()) e.preventDefault();
    } else if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      people.close();
    }
  });
  input.addEventListener("blur", () => setTimeout(() => {
    if (document.activeElement !== input) people.close();
  }, 150));
  const wrapper = h("div", { class: "field person-picker" },
    h("label", { for: inputId }, label),
    hint ? h("p", { class: "hint", id: hintId }, hint) : null,
    h("div", { class: "mention-box" }, input, people.list), chosen, status);
  wrapper.reset = () => {
    chosen.value = "";
    input.value = "";
    people.close();
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
