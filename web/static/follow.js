// How closely you follow a topic or a space (PUT/GET /topics/{id}/follow,
// /spaces/{id}/follow): a labelled select with the four levels, what the chosen
// one means said under it, saved as soon as it changes and announced. Signed-in
// readers only; it reads the level it shows from the server, so a level set by
// opening or posting in a topic shows as it is.

import { api, get } from "./api.js";
import { h, uid } from "./dom.js";
import { t } from "./i18n.js";

const LEVELS = [
  ["watching", t("acct.watching"), t("acct.everyNewPostTells")],
  ["tracking", t("acct.tracking"), t("acct.repliesToYouAnd")],
  ["normal", t("acct.normal"), t("acct.onlyMentionsOfYou")],
  ["muted", t("acct.muted"), t("acct.nothingHereTellsYou")],
];

const meaning = (level) => (LEVELS.find(([v]) => v === level) || LEVELS[2])[2];
const name = (level) => (LEVELS.find(([v]) => v === level) || LEVELS[2])[1];

/** The control for `kind` ("topic" or "space") `id`; `announce` speaks a change.
 * `initial`: the level as a page's overview brought it (then it is not read again). */
export function followControl({ kind, id, signal, announce, initial = null }) {
  const path = `/${kind === "topic" ? "topics" : "spaces"}/${id}/follow`;
  const selectId = uid("follow");
  const hintId = `${selectId}-hint`;
  const select = h("select", { id: selectId, "aria-describedby": hintId, disabled: true },
    LEVELS.map(([value, text]) => h("option", { value }, text)));
  const hint = h("p", { class: "hint", id: hintId }, t("site.loading"));
  const el = h("div", { class: "field follow-control" },
    h("label", { for: selectId }, kind === "topic" ? t("acct.notificationsForThisTopic") : t("acct.notificationsForThisSpace")),
    select, hint);

  const show = ({ level, inherited }) => {
    select.value = level;
    hint.textContent = meaning(level) + (inherited ? t("acct.asYouFollowThe") : "");
  };

  (async () => {
    try {
      show(initial || await get(path, { signal }));
      select.disabled = false;
    } catch (err) {
      if (err.name === "AbortError") return;
      hint.textContent = t("follow.readFailed", { message: err.message });
    }
  })();

  select.addEventListener("change", async () => {
    const level = select.value;
    select.disabled = true;
    try {
      show(await api("PUT", path, { level }, { signal }));
      announce(t("follow.changed", { level: name(level), meaning: meaning(level) }));
    } catch (err) {
      if (err.name === "AbortError") return;
      announce(t("follow.failed", { message: err.message }));
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
