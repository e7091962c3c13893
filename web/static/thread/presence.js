// Who is here now and who is typing, from the topic channel's presence
// messages: up to five names ("you" for the reader), how many more, guests.

import { clear, h } from "../dom.js";
import { formatList, t } from "../i18n.js";

/** Answers {el, show(msg)}; `me` is the reader (or null). */
export function presenceLine(me) {
  const presence = h("span", { class: "presence" });
  const typingLine = h("span", { class: "typing" });
  const el = h("p", { class: "here muted small" }, presence, typingLine);

  function show(msg) {
    const users = msg.users || [];
    const typing = (msg.typing || []).filter((u) => !me || u.id !== me.id);
    clear(presence);
    const guests = Number(msg.anonymous) || 0;
    if (users.length || guests) {
      const names = users.map((u) => (me && u.id === me.id ? t("presence.you") : u.display_name));
      const shown = names.slice(0, 5);
      const more = names.length - shown.length;
      if (more > 0) shown.push(t("presence.more", { count: more }));
      if (guests) shown.push(t("presence.guests", { count: guests }));
      presence.append(h("span", { class: "here-dot", "aria-hidden": "true" }), t("presence.here", { names: shown.join(", ") }));
    }
    clear(typingLine);
    const sep = users.length ? " · " : "";
    if (typing.length === 1) typingLine.append(sep, t("presence.typingOne", { name: typing[0].display_name }));
    else if (typing.length > 1) {
      typingLine.append(sep, t("presence.typingMany", { names: formatList(typing.map((u) => u.display_name).slice(0, 3)) }));
    }
  }

  return { el, show };
}
