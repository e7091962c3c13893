// Search (/search?q=…): the query lives in the URL, so a search can be shared.
// Filters are chips (links that change the URL, the current one marked); each
// result links to its topic, or to its post in the thread (#post-{id}), with
// its snippet: escaped text in which the server marked the words found. The
// snippet is rebuilt here from text and <mark> only, whatever it holds.

import { get, serverHas } from "../api.js";
import { append, clear, h, own, stakeholderLabel, timeEl } from "../dom.js";
import { t, tx } from "../i18n.js";

const KINDS = [["", t("search.kind.all")], ["topic", t("search.kind.topics")], ["post", t("search.kind.posts")]];
const WORDS = [
  ["is:question", t("search.chip.questions")],
  ["is:official", t("search.chip.official")],
];
// The operators are the server's words (docs/search.md): the same in every language.
const TIPS = [
  [`"${t("search.tip.exactWords")}"`, t("search.tip.phrase")],
  [t("search.tip.minusWord"), t("search.tip.leaveOut")],
  [t("search.tip.handle"), t("search.tip.person")],
  [t("search.tip.space"), t("search.tip.spaceMeaning")],
  ["type:government", t("search.tip.type")],
  ["is:question, status:answered, is:official", t("search.tip.questions")],
  ["before:2026-01-31, after:2026-01-01", t("search.tip.period")],
];
// Shown when the server has the language filter (issue 20).
const LANG_TIP = ["lang:ko", t("search.tip.lang")];

/** The snippet's text and marks as nodes: nothing else of it becomes markup. */
function snippetNodes(snippet) {
  const doc = new DOMParser().parseFromString(`<p>${snippet}</p>`, "text/html");
  const nodes = [];
  for (const node of doc.body.firstChild ? doc.body.firstChild.childNodes : []) {
    if (node.nodeName === "MARK") nodes.push(h("mark", {}, node.textContent));
    else nodes.push(node.textContent);
  }
  return nodes;
}

function href(params) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) query.set(key, value);
  return `/search?${query}`;
}

/** The words of `q` with `word` added, or taken out when it is there. */
function toggled(q, word) {
  const words = q.split(/\s+/).filter(Boolean);
  const has = words.some((w) => w.toLowerCase() === word);
  return (has ? words.filter((w) => w.toLowerCase() !== word) : [...words, word]).join(" ");
}

function chips(q, kind) {
  const chip = (target, text, current) => h("li", {}, h("a", {
    href: target, class: ["chip", current && "chip-on"], "aria-current": current ? "true" : null,
  }, text));
  const words = q.toLowerCase().split(/\s+/);
  return h("nav", { "aria-label": t("search.filters"), class: "search-filters" },
    h("ul", { class: "chips" },
      KINDS.map(([value, text]) => chip(href({ q, kind: value }), text, kind === value)),
      WORDS.map(([word, text]) => chip(href({ q: toggled(q, word), kind }), text,
        words.includes(word)))));
}

function resultItem(result) {
  const target = result.kind === "post"
    ? `/topics/${result.topic_id}#post-${result.post_id}` : `/topics/${result.topic_id}`;
  const author = result.author;
  // A topic's snippet is its title with the words found marked: the title once, marked.
  const topic = result.kind !== "post";
  return h("li", { class: "search-result" },
    h("h2", { class: "search-title" }, h("a", { href: target },
      topic ? h("span", { dir: "auto" }, snippetNodes(result.snippet)) : tx("search.postIn", { title: own(result.title) }))),
    topic ? null : h("p", { class: "search-snippet", dir: "auto" }, snippetNodes(result.snippet)),
    h("p", { class: "muted search-meta" },
      tx(result.kind === "post" ? "search.meta.post" : "search.meta.topic", {
        space: h("a", { href: `/spaces/${result.space_id}`, dir: "auto" }, result.space_name),
        author: own(author.display_name), type: stakeholderLabel(author.stakeholder_type) }),
      " · ", timeEl(result.created_at), result.hidden ? ` · ${t("search.hidden")}` : ""));
}

function form(q, kind) {
  return h("form", { role: "search", "aria-label": t("search.refine"), action: "/search",
    method: "get", class: "search-form" },
    h("label", { for: "search-q" }, t("search.site.inputLabel")),
    h("div", { class: "search-row" },
      h("input", { id: "search-q", name: "q", type: "search", value: q, maxlength: "500",
        autocomplete: "off", "aria-describedby": "search-tips" }),
      kind ? h("input", { type: "hidden", name: "kind", value: kind }) : null,
      h("button", { type: "submit" }, t("search.site.submit"))));
}

function tips(byLanguage) {
  return h("details", { class: "search-tips", id: "search-tips" },
    h("summary", {}, t("search.how")),
    h("dl", {}, (byLanguage ? [...TIPS, LANG_TIP] : TIPS).map(([example, meaning]) => [h("dt", {}, h("code", {}, example)),
      h("dd", {}, meaning)])));
}

export default async function searchPage(ctx) {
  const q = (ctx.query.get("q") || "").trim();
  const kind = KINDS.some(([value]) => value === ctx.query.get("kind")) ? ctx.query.get("kind") : "";
  ctx.title(q ? t("search.titleFor", { q }) : t("search.title"));
  const headerBox = document.getElementById("site-q");
  if (headerBox) headerBox.value = q;
  const list = h("ol", { class: "search-results", "aria-label": t("search.results") });
  const status = h("p", { role: "status", class: "muted" });
  const more = h("p", {});
  // dom.js's append skips the chips when there is no query (the DOM's own would write "null").
  append(ctx.main, [h("h1", { tabindex: "-1" }, q ? t("search.titleFor", { q }) : t("search.title")), form(q, kind),
    tips(await serverHas("GET", "/search", { query: "lang" })), q ? chips(q, kind) : null, status, list, more]);
  if (!q) {
    status.textContent = t("search.empty");
    return;
  }
  let found = 0;
  const load = async (cursor) => {
    const params = new URLSearchParams({ q, limit: "20" });
    if (kind) params.set("kind", kind);
    if (cursor) params.set("cursor", cursor);
    let page;
    try {
      page = await get(`/search?${params}`, { signal: ctx.signal });
    } catch (err) {
      if (err.status !== 422) throw err;
      status.textContent = "";
      clear(more, h("span", { class: "notice notice-error", role: "alert" },
        (err.fields && err.fields.q) || err.message));
      return;
    }
    found += page.results.length;
    list.append(...page.results.map(resultItem));
    status.textContent = found ? t(page.next_cursor ? "search.countSoFar" : "search.count", { count: found })
      : t("search.nothing");
    clear(more, page.next_cursor ? h("button", { type: "button", onclick: async (event) => {
      event.currentTarget.disabled = true;
      const first = list.children.length;
      await load(page.next_cursor);
      const next = list.children[first];
      if (next) next.querySelector("a").focus();
    } }, t("search.more")) : null);
  };
  await load(null);
}
