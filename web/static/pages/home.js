// Home: member organizations by region and country, their public spaces,
// latest activity, and the way to how fast each answers its people.

import { get, pool, serverHas } from "../api.js";
import { clear, h, orgKindLabel, timeEl } from "../dom.js";
import { verifiedBadge } from "../widgets.js";

export default async function homePage(ctx) {
  ctx.title("");
  const { orgs } = await get("/orgs", { signal: ctx.signal });
  const hasReport = await serverHas("GET", "/responsiveness");

  const intro = h("section", { class: "hero" },
    h("h1", {}, "Civic discussions, in the open"),
    h("p", { class: "lede" },
      "Citizens, businesses, civil society, researchers and officials of member cities "
      + "discuss urban problems side by side, in public and in real time."),
    ctx.user ? null : h("p", {}, h("a", { href: "/signup", class: "button primary" }, "Join the discussion"),
      " ", h("a", { href: "/login", class: "button" }, "Sign in")),
    hasReport ? h("p", {}, "When you ask a city a question, everyone sees whether it answers, and how fast: ",
      h("a", { href: "/responsiveness" }, "how fast member cities answer"), ".") : null,
  );

  const activityList = h("ol", { class: "activity" });
  const activity = h("section", { class: "card activity-card", "aria-labelledby": "activity-h" },
    h("h2", { id: "activity-h" }, "Latest activity"),
    activityList,
  );
  activityList.append(h("li", { class: "muted" }, "Loading…"));

  const search = h("input", { type: "search", id: "org-filter", name: "q",
    placeholder: "City, organization, country or region", autocomplete: "off" });
  const filterBox = h("div", { class: "field filter" },
    h("label", { for: "org-filter" }, "Find a member organization"), search);
  const directory = h("div", { class: "directory" });
  const counter = h("p", { class: "muted", role: "status" });

  ctx.main.append(
    intro,
    h("div", { class: "home-grid" },
      h("section", { "aria-labelledby": "members-h", class: "members" },
        h("h2", { id: "members-h" }, "Member organizations"),
        filterBox, counter, directory),
      activity,
    ),
  );

  if (orgs.length === 0) {
    directory.append(h("p", {}, "No organization has joined yet."));
    clear(activityList, h("li", { class: "muted" }, "Nothing yet."));
    return;
  }

  const { byRegion, regions } = groupByRegion(orgs);
  const countries = new Set(orgs.map((org) => org.country || "Elsewhere"));
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
      const spaces = h("ul", { class: "space-links" }, h("li", { class: "muted" }, "Loading spaces…"));
      const card = h("li", { class: "org" },
        h("h5", {}, h("a", { href: `/orgs/${org.id}` }, org.name), verifiedBadge(org)),
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
      ? `${shown} of ${orgs.length} organizations match.`
      : `${orgs.length} ${orgs.length === 1 ? "organization" : "organizations"} in ${countries.size} ${countries.size === 1 ? "country" : "countries"}.`;
  };
  search.addEventListener("input", applyFilter);
  applyFilter();

  // Spaces of each organization, then the latest topics of those spaces.
  const allSpaces = [];
  await pool(orgs, 6, async (org) => {
    const entry = orgCards.get(org.id);
    try {
      const { spaces } = await get(`/orgs/${org.id}/spaces`, { signal: ctx.signal });
      clear(entry.spaces);
      if (spaces.length === 0) entry.spaces.append(h("li", { class: "muted" }, "No public space yet."));
      for (const space of spaces) {
        allSpaces.push({ space, org });
        entry.spaces.append(h("li", {}, h("a", { href: `/spaces/${space.id}` }, space.name),
          space.visibility === "private" ? h("span", { class: "badge" }, "Private") : null));
        entry.card.dataset.search += ` ${space.name.toLowerCase()}`;
      }
    } catch (err) {
      if (err.name === "AbortError") throw err;
      clear(entry.spaces, h("li", { class: "error-text" }, `Could not load spaces: ${err.message}`));
    }
  });
  applyFilter();

  await latestActivity(ctx, allSpaces, activityList);
}

const OTHER_REGION = "Other members";

/** By region, then country; regions, countries and organizations in
 * alphabetical order (organizations without a region come last). */
function groupByRegion(orgs) {
  const byRegion = new Map();
  for (const org of [...orgs].sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }))) {
    const region = org.region || OTHER_REGION;
    const country = org.country || "Elsewhere";
    if (!byRegion.has(region)) byRegion.set(region, new Map());
    const byCountry = byRegion.get(region);
    if (!byCountry.has(country)) byCountry.set(country, []);
    byCountry.get(country).push(org);
  }
  const regions = [...byRegion.keys()].sort((a, b) =>
    (a === OTHER_REGION) - (b === OTHER_REGION) || a.localeCompare(b));
  return { byRegion, regions };
}

/** The latest topics of those spaces, newest activity first. */
async function latestActivity(ctx, allSpaces, activityList) {
  const latest = [];
  await pool(allSpaces, 6, async ({ space, org }) => {
    const { topics } = await get(`/spaces/${space.id}/topics?limit=3`, { signal: ctx.signal });
    for (const topic of topics) latest.push({ topic, space, org });
  });
  latest.sort((a, b) => b.topic.last_activity_at.localeCompare(a.topic.last_activity_at));
  clear(activityList);
  if (latest.length === 0) activityList.append(h("li", { class: "muted" }, "No discussion yet."));
  for (const { topic, space, org } of latest.slice(0, 10)) {
    activityList.append(h("li", {},
      h("a", { href: `/topics/${topic.id}` }, topic.title),
      h("p", { class: "muted small" },
        org.name, verifiedBadge(org, { compact: true }),
        ` · ${space.name} · ${topic.post_count} ${topic.post_count === 1 ? "post" : "posts"} · `,
        timeEl(topic.last_activity_at)),
    ));
  }
}
