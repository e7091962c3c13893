// The signed-in user's profile, their organizations, and registering a new one.

import { del, get, patch, post } from "../api.js";
import { ORG_KINDS, clear, field, formError, h, onSubmit, relative, select, stakeholderLabel, timeEl } from "../dom.js";
import { setUser, signOut } from "../session.js";
import { requireUser, verifiedBadge } from "../widgets.js";
import { passwordCard } from "../password.js";
import { notificationPrefsCard } from "../notification-prefs.js";
import { t, tx } from "../i18n.js";

export default async function profilePage(ctx) {
  if (!requireUser(ctx, t("acct.yourProfile"))) return;
  const { user } = await get("/me", { signal: ctx.signal });
  ctx.title(t("acct.yourProfile"));

  const signOutButton = h("button", { type: "button", onclick: async () => {
    signOutButton.disabled = true;
    try {
      await signOut();
      ctx.navigate("/");
    } catch (err) {
      signOutButton.disabled = false;
      ctx.announce(t("nav.signOutFailed", { message: err.message }));
    }
  } }, t("nav.signOut"));

  // The handle others mention you by (@handle), changed here.
  const handleShown = h("dd", {}, `@${user.handle}`);
  const handleForm = h("form", { class: "form handle-form" }, formError(),
    field({ label: t("acct.changeYourHandle"), name: "handle", required: true, maxlength: 31,
      value: user.handle, autocomplete: "username", spellcheck: "false", autocapitalize: "none",
      hint: t("acct.3To30Of") }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, t("acct.saveHandle"))));
  onSubmit(handleForm, async (data) => {
    const { user: changed } = await patch("/me", { handle: data.handle });
    handleShown.textContent = `@${changed.handle}`;
    handleForm.querySelector("input").value = changed.handle;
    setUser(changed);
    ctx.announce(t("profile.handleNow", { handle: changed.handle }));
  });

  ctx.main.append(
    h("h1", {}, user.display_name),
    h("section", { class: "card", "aria-labelledby": "about-h" },
      h("h2", { id: "about-h" }, t("acct.aboutYou")),
      h("dl", { class: "facts" },
        h("dt", {}, t("auth.displayName")), h("dd", {}, user.display_name),
        h("dt", {}, t("acct.handle")), handleShown,  // how admins find you to add you to a space
        h("dt", {}, t("acct.takesPartAs")), h("dd", {}, stakeholderLabel(user.stakeholder_type)),
        h("dt", {}, t("auth.email")), h("dd", {}, user.email),
        h("dt", {}, t("acct.memberSince")), h("dd", {}, timeEl(user.created_at)),
        user.is_platform_admin ? [h("dt", {}, t("acct.role")), h("dd", {}, t("acct.platformAdminSecretariat"))] : null,
      ),
      handleForm,
      h("p", {}, signOutButton),
    ),
  );

  ctx.main.append(passwordCard(ctx, user));
  ctx.main.append(await notificationPrefsCard(ctx));

  const sessionsCard = h("section", { class: "card", "aria-labelledby": "sessions-h" },
    h("h2", { id: "sessions-h" }, t("acct.whereYouAreSigned")),
    h("p", { class: "muted" }, t("site.loading")));
  ctx.main.append(sessionsCard);
  await showSessions(ctx, sessionsCard);

  const mine = h("ul", { class: "space-list" }, h("li", { class: "muted" }, t("site.loading")));
  const form = h("form", { class: "form" }, formError(),
    field({ label: t("acct.name"), name: "name", required: true, maxlength: 200, hint: t("acct.forExampleCityOf") }),
    select({ label: t("acct.kind"), name: "kind", options: ORG_KINDS, value: "local_government" }),
    field({ label: t("acct.country"), name: "country", required: true, minlength: 2, maxlength: 100, autocomplete: "country-name" }),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, t("acct.registerOrganization"))));
  onSubmit(form, async (data) => {
    const { org } = await post("/orgs", data);
    ctx.announce(t("profile.orgRegistered", { name: org.name }));
    ctx.navigate(`/orgs/${org.id}`);
  });

  ctx.main.append(h("div", { class: "two-col" },
    h("section", { class: "card", "aria-labelledby": "my-orgs-h" },
      h("h2", { id: "my-orgs-h" }, user.is_platform_admin ? t("acct.organizationsYouAdministerAll") : t("acct.organizationsYouAdminister")), mine),
    h("section", { class: "card", "aria-labelledby": "new-org-h" },
      h("h2", { id: "new-org-h" }, t("acct.registerAnOrganization")),
      h("p", { class: "muted" }, t("acct.aCityCompanyOr")),
      form),
  ));

  const { orgs } = await get("/orgs", { signal: ctx.signal });
  const admin = orgs.filter((o) => o.is_admin);
  mine.replaceChildren(...(admin.length ? admin.map((o) => h("li", {}, h("a", { href: `/orgs/${o.id}`, dir: "auto" }, o.name), verifiedBadge(o, { compact: true }),
    h("span", { class: "muted small" }, ` · ${o.country}`))) : [h("li", { class: "muted" }, t("acct.noneYet"))]));
}

/** "Firefox on Linux" from a User-Agent header; the raw text when nothing is recognised. */
export function deviceName(agent) {
  if (!agent) return t("acct.unknownDevice");
  // Product names: the same in every language.
  const browsers = [["Edg/", "Edge"], ["OPR/", "Opera"], ["Firefox/", "Firefox"], ["Chrome/", "Chrome"],
    ["Chromium/", "Chromium"], ["Safari/", "Safari"]];
  const systems = [["iPhone", "iPhone"], ["iPad", "iPad"], ["Android", "Android"], ["Windows", "Windows"],
    ["Mac OS X", "macOS"], ["Macintosh", "macOS"], ["CrOS", "ChromeOS"], ["Linux", "Linux"]];
  const browser = browsers.find(([mark]) => agent.includes(mark));
  const system = systems.find(([mark]) => agent.includes(mark));
  if (browser && system) return t("sessions.browserOn", { browser: browser[1], system: system[1] });
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
        ctx.announce(t("sessions.signedOutOf", { device: deviceName(s.user_agent) }));
        await showSessions(ctx, card, { refocus: true });
      } catch (err) {
        end.disabled = false;
        ctx.announce(t("follow.failed", { message: err.message }));
      }
    },
    // Named for screen readers, which otherwise hear a row of identical buttons;
    // the name starts with the visible words, for voice control.
    "aria-label": t("sessions.endLabel", { action: s.current ? t("nav.signOut") : t("acct.signOutThere"),
      device: deviceName(s.user_agent), when: relative(s.last_used_at) }) },
    s.current ? t("nav.signOut") : t("acct.signOutThere"));
    return h("li", {},
      h("div", {},
        h("strong", {}, deviceName(s.user_agent)),
        s.current ? h("span", { class: "badge" }, t("acct.thisDevice")) : null),
      h("div", { class: "muted small" },
        s.address ? `${t("sessions.from", { address: s.address })} · ` : "",
        tx("sessions.times", { used: timeEl(s.last_used_at), signedIn: timeEl(s.created_at),
          ends: timeEl(s.expires_at) })),
      end);
  }));
  const everywhere = others.length ? h("button", { type: "button", onclick: async () => {
    everywhere.disabled = true;
    try {
      await post("/me/sessions/revoke-others");
      ctx.announce(t("sessions.signedOutOthers", { count: others.length }));
      await showSessions(ctx, card, { refocus: true });
    } catch (err) {
      everywhere.disabled = false;
      ctx.announce(t("follow.failed", { message: err.message }));
    }
  } }, t("acct.signOutEverywhereElse")) : null;
  clear(card, heading,
    h("p", { class: "muted" }, t("acct.aSessionEndsBy")),
    list, everywhere ? h("p", {}, everywhere) : null);
  if (refocus) {
    heading.tabIndex = -1;
    heading.focus();
  }
}
