// A person, as a mention links to them (/u/{handle}): their name, handle and
// how they take part (what a post shows of its author, nothing more), and a
// search for what they wrote. An unknown handle is "not found".

import { get } from "../api.js";
import { h, stakeholderLabel } from "../dom.js";
import { t } from "../i18n.js";

export default async function personPage(ctx) {
  const asked = decodeURIComponent(ctx.params[0]);
  const { user } = await get(`/users?handle=${encodeURIComponent(asked)}`, { signal: ctx.signal });
  ctx.title(user.display_name);
  const mine = ctx.user && ctx.user.id === user.id;
  ctx.main.append(
    h("header", { class: "page-head" },
      h("h1", { dir: "auto" }, user.display_name),
      h("p", { class: "lede" }, `@${user.handle} · `, t("person.takesPartAs", { type: stakeholderLabel(user.stakeholder_type) }))),
    h("section", { class: "card", "aria-labelledby": "person-h" },
      h("h2", { id: "person-h" }, t("acct.whatTheyWrote")),
      h("p", {}, h("a", { href: `/search?q=${encodeURIComponent(`@${user.handle}`)}` },
        t("person.search", { handle: user.handle }))),
      h("p", { class: "muted" }, t("person.mention", { handle: user.handle })),
      mine ? h("p", {}, h("a", { href: "/profile" }, t("acct.changeYourHandleOn"))) : null),
  );
}
