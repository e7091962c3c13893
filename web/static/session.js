// Who is signed in. The session itself is the HttpOnly cookie; the readable
// cps_csrf cookie tells us whether asking /me is worth it.

import { ApiError, forgetSessionHint, get, hasSessionHint, post } from "./api.js";

const listeners = new Set();
export const session = { user: null };

function changed() {
  for (const fn of listeners) fn(session.user);
}

export function onSessionChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export async function loadSession() {
  if (!hasSessionHint()) {
    session.user = null;
    return null;
  }
  try {
    const { user } = await get("/me");
    session.user = user;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) forgetSessionHint();
    session.user = null;
  }
  return session.user;
}

export async function signIn(email, password) {
  const { user } = await post("/auth/login", { email, password });
  session.user = user;
  // GET /me also says whether they moderate anything (the header's Moderation link).
  try {
    session.user = (await get("/me")).user;
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
  }
  changed();
  return session.user;
}

export async function register(data) {
  await post("/auth/register", data);
  return signIn(data.email, data.password);
}

export async function signOut() {
  try {
    await post("/auth/logout");
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) throw err;
  }
  forgetSessionHint();
  session.user = null;
  changed();
}

export function setUser(user) {
  // PATCH /me answers the user without `moderates`: keep what /me said.
  const before = session.user;
  session.user = before && user && user.moderates === undefined ? { ...user, moderates: before.moderates } : user;
  changed();
}
