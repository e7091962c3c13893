// Who took part in a topic, by stakeholder type (the topic's `participation`:
// distinct people who posted): a sentence, and the five counts in words. The
// page reads the topic again a moment after new posts to keep it current.

import { PARTICIPANT_KINDS, kindsOf, participationWords } from "../accountability.js";
import { clear, h } from "../dom.js";
import { t } from "../i18n.js";

const KIND_NAMES = {
  citizen: t("took.kind.citizens"),
  business: t("took.kind.businesses"),
  civil_society: t("stakeholder.civilSociety"),
  academia: t("stakeholder.academia"),
  government: t("stakeholder.government"),
};

export class Participation {
  constructor(thread) {
    this.thread = thread;
    this.el = h("section", { class: "took-part", "aria-labelledby": "took-part-h" });
  }

  draw() {
    const p = this.thread.topic.participation;
    this.el.hidden = !p;
    if (!p) return;
    const kinds = kindsOf(this.thread.topic);
    clear(this.el,
      h("h2", { id: "took-part-h" }, t("took.heading")),
      h("p", { class: "small" },
        t("took.summary", { kinds, count: PARTICIPANT_KINDS.length, who: participationWords(p) })),
      h("ul", { class: "took-part-list" }, PARTICIPANT_KINDS.map(([key]) => h("li", { class: ["took-part-kind", !p[key] && "is-none"] },
        h("span", { class: "took-part-name" }, KIND_NAMES[key]),
        h("span", { class: "visually-hidden" }, ": "),
        h("span", { class: "took-part-count" }, String(p[key] || 0))))));
  }
}
