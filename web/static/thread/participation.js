// Who took part in a topic, by stakeholder type (the topic's `participation`:
// distinct people who posted): a sentence, and the five counts in words. The
// page reads the topic again a moment after new posts to keep it current.

import { PARTICIPANT_KINDS, kindsOf, participationWords } from "../accountability.js";
import { clear, h } from "../dom.js";

const KIND_NAMES = {
  citizen: "Citizens",
  business: "Businesses",
  civil_society: "Civil society",
  academia: "Academia",
  government: "Government",
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
      h("h2", { id: "took-part-h" }, "Who took part"),
      h("p", { class: "small" },
        `${kinds} of ${PARTICIPANT_KINDS.length} kinds of stakeholder: ${participationWords(p)}.`),
      h("ul", { class: "took-part-list" }, PARTICIPANT_KINDS.map(([key]) => h("li", { class: ["took-part-kind", !p[key] && "is-none"] },
        h("span", { class: "took-part-name" }, KIND_NAMES[key]),
        h("span", { class: "visually-hidden" }, ": "),
        h("span", { class: "took-part-count" }, String(p[key] || 0))))));
  }
}
