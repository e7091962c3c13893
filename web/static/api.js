// The public HTTP API under /api/v1: JSON in and out, the session cookie for
// auth, and the CSRF proof (the readable cps_csrf cookie) on unsafe requests.

import { t } from "./i18n.js";

const PREFIX = "/api/v1";
const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

export class ApiError extends Error {
  constructor(status, body, retryAfter = null) {
    const detail = (body && body.error) || {};
    super(detail.message || defaultMessage(status));
    this.name = "ApiError";
    this.status = status;
    this.code = detail.code || (status === 0 ? "network_error" : "error");
    this.fields = detail.fields || null;
    this.requiredTier = detail.required_tier || null;
    this.retryAfter = retryAfter;
  }
}

function defaultMessage(status) {
  if (status === 0) return t("api.unreachable");
  if (status === 401) return t("api.signIn");
  if (status === 403) return t("api.forbidden");
  if (status === 404) return t("api.notFound");
  if (status === 429) return t("api.tooMany");
  if (status >= 500) return t("api.serverError");
  return t("api.failed", { status: String(status) });
}

export function cookie(name) {
  for (const part of document.cookie.split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return decodeURIComponent(v.join("="));
  }
  return null;
}

export function hasSessionHint() {
  return cookie("cps_csrf") !== null;
}

export function forgetSessionHint() {
  document.cookie = "cps_csrf=; Max-Age=0; Path=/; SameSite=Lax";
}

export async function api(method, path, body, { signal } = {}) {
  const headers = { Accept: "application/json" };
  const init = { method, headers, credentials: "same-origin", signal };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  if (!SAFE.has(method)) {
    const csrf = cookie("cps_csrf");
    if (csrf) headers["X-CSRF-Token"] = csrf;
  }
  let res;
  try {
    res = await fetch(PREFIX + path, init);
  } catch (err) {
    if (err && err.name === "AbortError") throw err;
    throw new ApiError(0, null);
  }
  if (res.status === 204) return null;
  let data = null;
  try {
    data = await res.json();
  } catch {
    data = null;
  }
  if (!res.ok) {
    const err = new ApiError(res.status, data, res.headers.get("Retry-After"));
    if (err.status === 429 && err.retryAfter && !(data && data.error)) {
      err.message = t("api.tooManyWait", { count: Number(err.retryAfter) });
    }
    throw err;
  }
  return data;
}

export const get = (path, opts) => api("GET", path, undefined, opts);
export const post = (path, body = {}, opts) => api("POST", path, body, opts);
export const patch = (path, body, opts) => api("PATCH", path, body, opts);
export const del = (path, opts) => api("DELETE", path, undefined, opts);

/** Every page of a cursor-paginated list. */
export async function all(path, key, { signal, max = 50 } = {}) {
  const items = [];
  let cursor = null;
  for (let i = 0; i < max; i += 1) {
    const sep = path.includes("?") ? "&" : "?";
    const url = cursor ? `${path}${sep}limit=100&cursor=${encodeURIComponent(cursor)}` : `${path}${sep}limit=100`;
    const page = await get(url, { signal });
    items.push(...page[key]);
    cursor = page.next_cursor;
    if (!cursor) break;
  }
  return items;
}

/** Runs fn over items, at most `limit` at a time (many reads without
 * flooding the server); answers [{ok, value} | {ok: false, error}] in order. */
export async function pool(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  async function worker() {
    while (next < items.length) {
      const i = next;
      next += 1;
      try {
        results[i] = { ok: true, value: await fn(items[i], i) };
      } catch (err) {
        if (err && err.name === "AbortError") throw err;
        results[i] = { ok: false, error: err };
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

let openapiPaths = null;

/** Which API paths this server has (from its OpenAPI document), so the pages
 * never offer a feature the server doesn't have; with `query`, whether the
 * endpoint also takes that query parameter (a sort, a filter). */
export async function serverHas(method, path, { query = null } = {}) {
  if (!openapiPaths) {
    openapiPaths = get("/openapi.json").then(
      (doc) => doc.paths || {},
      () => ({}),
    );
  }
  const paths = await openapiPaths;
  const op = paths[PREFIX + path] && paths[PREFIX + path][method.toLowerCase()];
  if (!op) return false;
  return !query || (op.parameters || []).some((p) => p.in === "query" && p.name === query);
}
