// The signed-in user's profile, their organizations, and registering a new one.

import { del, get, patch, post } from "../api.js";
import { ORG_KINDS, clear, field, formError, h, onSubmit, relative, select, stakeholderLabel, timeEl } from "../dom.js";
import { setUser, signOut } from "../session.js";
import { requireUser, verifiedBadge } from "../widgets.js";
import { passwordCard } from "../password.js";
import { notificationPrefsCard } from "../notification-prefs.js";

export default async function profilePage(ctx) {
  if (!requireUser(ctx, "Your profile")) return;
  const { user } = await get("/me", { signal: ctx.signal });
  ctx.title("Your profile");

  const signOutButton = h("button", { type: "button", onclick: async () => {
    signOutButton.disabled = true;
    try {
      await signOut();
      ctx.navigate("/");
    } catch (err) {
      signOutButton.disabled = false;
      ctx.announce(`Sign out failed: ${err.message}`);
    }
  } }, "Sign out");

  // The handle others mention you by (@handle), changed here.
  const handleShown = h("dd", {}, `@${user.handle}`);
  const handleForm = h("form", { class: "form handle-form" }, formError(),
    field({ label: "Change your handle", name: "handle", required: true, maxlength: 31,
      value: user.handle, autocomplete: "username", spellcheck: "false", autocapitalize: "none",
      hint: "3 to 30 of a–z, 0–9, dot, underscore and dash." }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Save handle")));
  onSubmit(handleForm, async (data) => {
    const { user: changed } = await patch("/me", { handle: data.handle });
    handleShown.textContent = `@${changed.handle}`;
    handleForm.querySelector("input").value = changed.handle;
    setUser(changed);
    ctx.announce(`Your handle is now @${changed.handle}.`);
  });

  ctx.main.append(
    h("h1", {}, user.display_name),
    h("section", { class: "card", "aria-labelledby": "about-h" },
      h("h2", { id: "about-h" }, "About you"),
      h("dl", { class: "facts" },
        h("dt", {}, "Display name"), h("dd", {}, user.display_name),
        h("dt", {}, "Handle"), handleShown,  // how admins find you to add you to a space
        h("dt", {}, "Takes part as"), h("dd", {}, stakeholderLabel(user.stakeholder_type)),
        h("dt", {}, "Email"), h("dd", {}, user.email),
        h("dt", {}, "Member since"), h("dd", {}, timeEl(user.created_at)),
        user.is_platform_admin ? [h("dt", {}, "Role"), h("dd", {}, "Platform admin (secretariat)")] : null,
      ),
      handleForm,
      h("p", {}, signOutButton),
    ),
  );

  ctx.main.append(passwordCard(ctx, user));
  ctx.main.append(await notificationPrefsCard(ctx));

  const sessionsCard = h("section", { class: "card", "aria-labelledby": "sessions-h" },
    h("h2", { id: "sessions-h" }, "Where you are signed in"),
    h("p", { class: "muted" }, "Loading…"));
  ctx.main.append(sessionsCard);
  await showSessions(ctx, sessionsCard);

  const mine = h("ul", { class: "space-list" }, h("li", { class: "muted" }, "Loading…"));
  const form = h("form", { class: "form" }, formError(),
    field({ label: "Name", name: "name", required: true, maxlength: 200, hint: "For example: City of Seoul" }),
    select({ label: "Kind", name: "kind", options: ORG_KINDS, value: "local_government" }),
    field({ label: "Country", name: "country", required: true, minlength: 2, maxlength: 100, autocomplete: "country-name" }),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Register organization")));
  onSubmit(form, async (data) => {
    const { org } = await post("/orgs", data);
    ctx.announce(`${org.name} registered. You are its admin.`);
    ctx.navigate(`/orgs/${org.id}`);
  });

  ctx.main.append(h("div", { class: "two-col" },
    h("section", { class: "card", "aria-labelledby": "my-orgs-h" },
      h("h2", { id: "my-orgs-h" }, user.is_platform_admin ? "Organizations (you administer all)" : "Organizations you administer"), mine),
    h("section", { class: "card", "aria-labelledby": "new-org-h" },
      h("h2", { id: "new-org-h" }, "Register an organization"),
      h("p", { class: "muted" }, "A city, company or institution starts on the free tier; you become its admin."),
      form),
  ));

  const { orgs } = await get("/orgs", { signal: ctx.signal });
  const admin = orgs.filter((o) => o.is_admin);
  mine.replaceChildren(...(admin.length ? admin.map((o) => h("li", {}, h("a", { href: `/orgs/${o.id}` }, o.name), verifiedBadge(o, { compact: true }),
    h("span", { class: "muted small" }, ` · ${o.country}`))) : [h("li", { class: "muted" }, "None yet.")]));
}

/** "Firefox on Linux" from a User-Agent header; the raw text when nothing is recognised. */
export function deviceName(agent) {
  if (!agent) return "Unknown device";
  const browsers = [["Edg/", "Edge"], ["OPR/", "Opera"], ["Firefox/", "Firefox"], ["Chrome/", "Chrome"],
    ["Chromium/", "Chromium"], ["Safari/", "Safari"]];
  const systems = [["iPhone", "iPhone"], ["iPad", "iPad"], ["Android", "Android"], ["Windows", "Windows"],
    ["Mac OS X", "macOS"], ["Macintosh", "macOS"], ["CrOS", "ChromeOS"], ["Linux", "Linux"]];
  const browser = browsers.find(([mark]) => agent.includes(mark));
  const system = systems.find(([mark]) => agent.includes(mark));
  if (browser && system) return `${browser[1]} on ${system[1]}`;
  if (browser || system) return (browser || system)[1];
  return agent.length > 60 ? `${agent.slice(0, 57)}…` : agent;
}

/** Lists the sessions in `card`; `refocus` (after ending one) puts the keyboard
 * back on the card's heading, since the button that had it is gone. */
async function showSessions(ctx, card, { refocus = false } = {}) {
  const { sessions } = await get("/me/sessions", { signal: ctx.signal });
  const heading = card.querySelector("h2");
  const others = sessions.filter((s) => !s.current);
  const list = h("ul", { class: "session-list" }, ...sessions.map((s) => {
    const end = h("button", { type: "button", onclick: async () => {
      end.disabled = true;
      try {
        if (s.current) {
          await signOut();
          ctx.navigate("/");
          return;
        }
        await del(`/me/sessions/${s.id}`);
        ctx.announce(`Signed out of ${deviceName(s.user_agent)}.`);
        await showSessions(ctx, card, { refocus: true });
      } catch (err) {
        end.disabled = false;
        ctx.announce(`That did not work: ${err.message}`);
      }
    },
    // Named for screen readers, which otherwise hear a row of identical buttons;
    // the name starts with the visible words, for voice control.
    "aria-label": `${s.current ? "Sign out" : "Sign out there"}: ${deviceName(s.user_agent)}, last used ${relative(s.last_used_at)}` },
    s.current ? "Sign out" : "Sign out there");
    return h("li", {},
      h("div", {},
        h("strong", {}, deviceName(s.user_agent)),
        s.current ? h("span", { class: "badge" }, "This device") : null),
      h("div", { class: "muted small" },
        s.address ? `From ${s.address} · ` : "", "last used ", timeEl(s.last_used_at),
        " · signed in ", timeEl(s.created_at), " · ends ", timeEl(s.expires_at),
        " unless used"),
      end);
  }));
  const everywhere = others.length ? h("button", { type: "button", onclick: async () => {
    everywhere.disabled = true;
    try {
      await post("/me/sessions/revoke-others");
      ctx.announce(others.length === 1 ? "Signed out of 1 other device." : `Signed out of ${others.length} other devices.`);
      await showSessions(ctx, card, { refocus: true });
    } catch (err) {
      everywhere.disabled = false;
      ctx.announce(`That did not work: ${err.message}`);
    }
  } }, "Sign out everywhere else") : null;
  clear(card, heading,
    h("p", { class: "muted" }, "A session ends by itself when it goes unused for a while, and after a set time in any case. End one you do not recognise."),
    list, everywhere ? h("p", {}, everywhere) : null);
  if (refocus) {
    heading.tabIndex = -1;
    heading.focus();
  }
}
