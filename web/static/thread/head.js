// The head of a topic page: the breadcrumb (home, organization, space, topic),
// the title, the Question (status, Overdue) and Pinned/Locked/Archived/Private
// badges, who started it, the moderators' toolbar (topic-tools.js), and why a topic takes no new posts.

import { questionBadges } from "../accountability.js";
import { badge, clear, h, own, timeEl } from "../dom.js";
import { t, tx } from "../i18n.js";
import { breadcrumb, orgCrumb } from "../widgets.js";
import { drawTopicTools } from "./topic-tools.js";

export class TopicHead {
  /** tools: what drawTopicTools needs ({ctx, thread, changed, moved}). */
  constructor(tools) {
    const { topic } = tools.thread;
    this.tools = tools;
    this.crumbs = h("div", {});
    this.title = h("h1", { dir: "auto" }, topic.title);
    this.badges = h("p", { class: "badges" });
    this.modTools = h("div", { class: "mod-tools" });
    this.notice = h("div", {});
    this.el = h("header", { class: "page-head topic-head" },
      this.title, this.badges,
      h("p", { class: "muted small" }, tx("space.startedBy", { name: own(topic.author.display_name) }), " · ", timeEl(topic.created_at)),
      this.modTools, this.notice);
    this.drawCrumbs();
  }

  drawCrumbs() {
    const { topic, space, org } = this.tools.thread;
    clear(this.crumbs, breadcrumb([
      ["/", t("nav.home")],
      org ? orgCrumb(org) : null,
      [`/spaces/${space.id}`, space.name],
      [null, topic.title],
    ].filter(Boolean)));
  }

  draw() {
    const { ctx, thread: { topic, space } } = this.tools;
    this.drawCrumbs();
    this.title.textContent = topic.title;
    ctx.title(topic.title);
    clear(this.badges,
      ...questionBadges(topic),
      topic.pinned ? badge(t("topic.pinned"), "pinned") : "",
      topic.locked ? badge(t("topic.locked"), "locked") : "",
      topic.archived ? badge(t("topic.archived"), "archived") : "",
      space.visibility === "private" ? badge(t("topic.privateSpace"), "private") : "",
    );
    clear(this.notice);
    if (topic.archived) this.notice.append(h("p", { class: "notice" }, t("topic.archivedNotice")));
    else if (topic.locked) this.notice.append(h("p", { class: "notice" }, t("topic.lockedNotice")));
    drawTopicTools(this.modTools, this.tools);
  }
}
