// Home: member organizations by region and country, their spaces, latest
// activity, and the way to how fast each answers its people. One request
// (GET /feed) whatever the number of organizations and spaces. On a new
// instance, how to begin.

import { get, post, serverHas } from "../api.js";
import { ORG_KINDS, clear, field, formError, h, onSubmit, orgKindLabel, select, timeEl } from "../dom.js";
import { t, tx } from "../i18n.js";
import { verifiedBadge } from "../widgets.js";

export default async function homePage(ctx) {
  ctx.title("");
  const feed = await get("/feed", { signal: ctx.signal });
  const orgs = feed.organizations.map((o) => o.org);
  const hasReport = await serverHas("GET", "/responsiveness");

  const intro = h("section", { class: "hero" },
    h("h1", {}, t("home.title")),
    h("p", { class: "lede" }, t("home.lede")),
    ctx.user ? null : h("p", {}, h("a", { href: "/signup", class: "button primary" }, t("home.join")),
      " ", h("a", { href: "/login", class: "button" }, t("nav.signIn"))),
    hasReport ? h("p", {}, tx("home.responsiveness", {
      link: h("a", { href: "/responsiveness" }, t("home.responsiveness.link")) })) : null,
  );

  const activityList = h("ol", { class: "activity" });
  const activity = h("section", { class: "card activity-card", "aria-labelledby": "activity-h" },
    h("h2", { id: "activity-h" }, t("home.activity")),
    activityList,
  );
  activityList.append(h("li", { class: "muted" }, t("site.loading")));

  const search = h("input", { type: "search", id: "org-filter", name: "q",
    placeholder: t("home.filter.placeholder"), autocomplete: "off" });
  const filterBox = h("div", { class: "field filter" },
    h("label", { for: "org-filter" }, t("home.filter.label")), search);
  const directory = h("div", { class: "directory" });
  const counter = h("p", { class: "muted", role: "status" });

  ctx.main.append(
    intro,
    h("div", { class: "home-grid" },
      h("section", { "aria-labelledby": "members-h", class: "members" },
        h("h2", { id: "members-h" }, t("home.members")),
        filterBox, counter, directory),
      activity,
    ),
  );

  if (orgs.length === 0) {
    directory.append(h("p", {}, t("home.noOrgs")));
    clear(activityList, h("li", { class: "muted" }, t("home.nothingYet")));
    intro.after(firstRun(ctx));
    return;
  }

  const { byRegion, regions } = groupByRegion(orgs);
  const countries = new Set(orgs.map((org) => org.country || ELSEWHERE));
  const orgCards = new Map();
  const sections = [];
  const regionSections = [];
  for (const region of regions) {
    const regionId = `region-${regionSections.length}`;
    const regionSection = h("section", { class: "region", "aria-labelledby": regionId },
      h("h3", { id: regionId }, region));
    const mine = [];
    regionSections.push({ section: regionSection, countries: mine });
    const byCountry = byRegion.get(region);
    for (const country of [...byCountry.keys()].sort((a, b) => a.localeCompare(b))) {
    const list = h("ul", { class: "org-list" });
    const headingId = `country-${sections.length}`;
    // Named with its region too: a country can be in two regions (a member city
    // and a partner without a region), and landmarks need names of their own.
    const section = h("section", { class: "country", "aria-label": `${country} (${region})` },
      h("h4", { id: headingId }, country), list);
    sections.push({ section, list, country });
    mine.push(section);
    for (const org of byCountry.get(country)) {
      const spaces = h("ul", { class: "space-links" });
      const card = h("li", { class: "org" },
        h("h5", {}, h("a", { href: `/orgs/${org.id}`, dir: "auto" }, org.name), verifiedBadge(org)),
        h("p", { class: "muted small" }, orgKindLabel(org.kind)),
        spaces,
      );
      card.dataset.search =
        `${org.name} ${org.country} ${org.region || ""} ${orgKindLabel(org.kind)}`.toLowerCase();
      orgCards.set(org.id, { card, spaces, org });
      list.append(card);
    }
    regionSection.append(section);
    }
    directory.append(regionSection);
  }

  const applyFilter = () => {
    const q = search.value.trim().toLowerCase();
    let shown = 0;
    for (const { section, list } of sections) {
      let any = false;
      for (const li of list.children) {
        const match = !q || li.dataset.search.includes(q);
        li.hidden = !match;
        if (match) {
          any = true;
          shown += 1;
        }
      }
      section.hidden = !any;
    }
    for (const region of regionSections) {
      region.section.hidden = region.countries.every((section) => section.hidden);
    }
    counter.textContent = q
      ? t("home.filter.matches", { shown, count: orgs.length })
      : t("home.filter.total", { orgs: t("home.orgCount", { count: orgs.length }),
        countries: t("home.countryCount", { count: countries.size }) });
  };
  search.addEventListener("input", applyFilter);
  applyFilter();

  // Each organization's spaces, from the same answer.
  for (const { org, spaces } of feed.organizations) {
    const entry = orgCards.get(org.id);
    if (spaces.length === 0) entry.spaces.append(h("li", { class: "muted" }, t("home.noSpace")));
    for (const space of spaces) {
      entry.spaces.append(h("li", {}, h("a", { href: `/spaces/${space.id}`, dir: "auto" }, space.name),
        space.visibility === "private" ? h("span", { class: "badge" }, t("moderation.work.private")) : null));
      entry.card.dataset.search += ` ${space.name.toLowerCase()}`;
    }
  }
  applyFilter();
  latestActivity(feed.latest, activityList);
}

const OTHER_REGION = t("home.otherRegion");
const ELSEWHERE = t("home.elsewhere");

/** By region, then country; regions, countries and organizations in
 * alphabetical order (organizations without a region come last). */
function groupByRegion(orgs) {
  const byRegion = new Map();
  for (const org of [...orgs].sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }))) {
    const region = org.region || OTHER_REGION;
    const country = org.country || ELSEWHERE;
    if (!byRegion.has(region)) byRegion.set(region, new Map());
    const byCountry = byRegion.get(region);
    if (!byCountry.has(country)) byCountry.set(country, []);
    byCountry.get(country).push(org);
  }
  const regions = [...byRegion.keys()].sort((a, b) =>
    (a === OTHER_REGION) - (b === OTHER_REGION) || a.localeCompare(b));
  return { byRegion, regions };
}

/** The latest topics of the spaces the reader may see, newest activity first. */
function latestActivity(latest, activityList) {
  clear(activityList);
  if (latest.length === 0) activityList.append(h("li", { class: "muted" }, t("home.noDiscussion")));
  for (const topic of latest) {
    activityList.append(h("li", {},
      h("a", { href: `/topics/${topic.id}`, dir: "auto" }, topic.title),
      h("p", { class: "muted small" },
        topic.org_name, verifiedBadge({ verified: topic.org_verified }, { compact: true }),
        " · ", topic.space_name, " · ", t("home.postCount", { count: topic.post_count }), " · ",
        timeEl(topic.last_activity_at)),
    ));
  }
}

/** A new instance: how to begin. The platform admin opens the first
 * organization right here; anyone else reads the three ways in. */
function firstRun(ctx) {
  const section = h("section", { class: "card first-run", "aria-labelledby": "first-run-h" },
    h("h2", { id: "first-run-h" }, t("firstRun.heading")));
  if (ctx.user && ctx.user.is_platform_admin) {
    const form = h("form", { class: "form" }, formError(),
      field({ label: t("firstRun.name"), name: "name", required: true, maxlength: 200 }),
      select({ label: t("firstRun.kind"), name: "kind", options: ORG_KINDS, value: "local_government" }),
      field({ label: t("firstRun.country"), name: "country", required: true, minlength: 2, maxlength: 100, autocomplete: "country-name" }),
      h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, t("firstRun.open"))));
    onSubmit(form, async (data) => {
      const { org } = await post("/orgs", data);
      ctx.announce(t("firstRun.opened", { org: org.name }));
      ctx.navigate(`/orgs/${org.id}`);
    });
    section.append(h("p", {}, t("firstRun.adminLede")), form,
      h("p", { class: "muted" }, t("firstRun.orDemo"), " ", h("code", {}, "cps demo"), "."));
    return section;
  }
  section.append(h("p", {}, t("firstRun.lede")),
    h("ol", { class: "steps" },
      h("li", {}, t("firstRun.stepAdmin"), " ", h("code", {}, "cps create-admin --email E --password P")),
      h("li", {}, t("firstRun.stepOrg")),
      h("li", {}, t("firstRun.stepDemo"), " ", h("code", {}, "cps demo"))));
  return section;
}
