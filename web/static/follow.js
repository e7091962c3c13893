// How closely you follow a topic or a space (PUT/GET /topics/{id}/follow,
// /spaces/{id}/follow): a labelled select with the four levels, what the chosen
// one means said under it, saved as soon as it changes and announced. Signed-in
// readers only; it reads the level it shows from the server, so a level set by
// opening or posting in a topic shows as it is.

import { api, get } from "./api.js";
import { h, uid } from "./dom.js";

const LEVELS = [
  ["watching", "Watching", "Every new post tells you."],
  ["tracking", "Tracking", "Replies to you and mentions of you tell you."],
  ["normal", "Normal", "Only mentions of you tell you."],
  ["muted", "Muted", "Nothing here tells you, not even mentions."],
];

const meaning = (level) => (LEVELS.find(([v]) => v === level) || LEVELS[2])[2];
const name = (level) => (LEVELS.find(([v]) => v === level) || LEVELS[2])[1];

/** The control for `kind` ("topic" or "space") `id`; `announce` speaks a change. */
export function followControl({ kind, id, signal, announce }) {
  const path = `/${kind === "topic" ? "topics" : "spaces"}/${id}/follow`;
  const selectId = uid("follow");
  const hintId = `${selectId}-hint`;
  const select = h("select", { id: selectId, "aria-describedby": hintId, disabled: true },
    LEVELS.map(([value, text]) => h("option", { value }, text)));
  const hint = h("p", { class: "hint", id: hintId }, "Loading…");
  const el = h("div", { class: "field follow-control" },
    h("label", { for: selectId }, kind === "topic" ? "Notifications for this topic" : "Notifications for this space"),
    select, hint);

  const show = ({ level, inherited }) => {
    select.value = level;
    hint.textContent = meaning(level) + (inherited ? " (as you follow the space)" : "");
  };

  (async () => {
    try {
      show(await get(path, { signal }));
      select.disabled = false;
    } catch (err) {
      if (err.name === "AbortError") return;
      hint.textContent = `Could not read how you follow this: ${err.message}`;
    }
  })();

  select.addEventListener("change", async () => {
    const level = select.value;
    select.disabled = true;
    try {
      show(await api("PUT", path, { level }, { signal }));
      announce(`${name(level)}: ${meaning(level)}`);
    } catch (err) {
      if (err.name === "AbortError") return;
      announce(`That did not work: ${err.message}`);
      try {
        show(await get(path, { signal }));
      } catch {
        // the select keeps what was chosen; the next change tries again
      }
    } finally {
      select.disabled = false;
    }
  });
  return el;
}
