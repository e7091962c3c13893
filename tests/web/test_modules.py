"""The front end's module rules (docs/web.md), checked without node: a page
never imports another page, every imported name is exported by the module it
names, and no function is over 150 lines. Each rule is also shown failing on a
small module that breaks it, so a scanner that saw nothing could not pass."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.web.es_modules import MAX_FUNCTION_LINES, Tree, lex, resolve, scan

STATIC = Path(__file__).resolve().parents[2] / "web" / "static"


@pytest.fixture(scope="module")
def tree() -> Tree:
    return Tree({p.relative_to(STATIC).as_posix(): p.read_text(encoding="utf-8")
                 for p in sorted(STATIC.rglob("*.js"))})


def js(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def body_of(lines: int) -> str:
    """`lines` lines of statements."""
    return "".join(f"  total += {i};\n" for i in range(lines))


# ---- the rules on web/static ------------------------------------------------------------


def test_no_page_imports_another_page(tree: Tree) -> None:
    assert tree.page_imports_page() == []


def test_every_imported_name_is_exported_by_its_module(tree: Tree) -> None:
    assert tree.missing_imports() == []


def test_no_function_is_longer_than_150_lines(tree: Tree) -> None:
    assert tree.long_functions() == []


def test_the_scanner_sees_the_modules_as_they_are(tree: Tree) -> None:
    """What the rules above looked at: every module, its imports and exports
    and its functions (a scanner that read nothing would pass them)."""
    assert {"app.js", "live.js", "widgets.js", "pages/topic.js", "thread/state.js"} <= set(
        tree.modules)
    assert all(tree.modules[p].imports for p in tree.modules if p.startswith("pages/"))

    topic = tree.modules["pages/topic.js"]
    taken = {(imp.specifier, name) for imp in topic.imports for name in imp.names}
    assert {("../live.js", "follow"), ("../thread/state.js", "applyEvent"),
            ("../thread/state.js", "createThread"), ("../thread/view.js", "ThreadView"),
            ("../api.js", "ApiError")} <= taken
    assert topic.exports == {"default"}
    page = next(f for f in topic.functions if f.name == "topicPage")
    assert 60 < page.lines <= MAX_FUNCTION_LINES
    assert {"apply", "load", "reload", "drawAll", "followMove"} <= {f.name for f in topic.functions}

    state = tree.modules["thread/state.js"]
    assert state.imports == []
    assert {"applyEvent", "createThread", "putPost", "privileged", "moderates"} <= state.exports
    assert {"merge", "putChange"} & state.exports == set()  # module-private

    app = tree.modules["app.js"]
    assert {resolve("app.js", imp.specifier) for imp in app.imports} >= {
        "pages/topic.js", "pages/home.js", "live.js"}
    assert sum(len(m.functions) for m in tree.modules.values()) > 300


# ---- the rules fail when they should ------------------------------------------------------


@pytest.mark.parametrize("source", [
    'import homePage from "./home.js";\n',
    'import { loginPage } from "../pages/auth.js";\n',
    'import "./home.js";\n',
    'export { default as home } from "./home.js";\n',
    'export * from "./auth.js";\n',
    'const later = () => import("./home.js");\n',
    'import homePage from "/static/pages/home.js";\n',
])
def test_a_page_importing_a_page_is_refused(source: str) -> None:
    tree = Tree({
        "pages/space.js": source + "export default function spacePage() {}\n",
        "pages/home.js": "export default function homePage() {}\n",
        "pages/auth.js": "export function loginPage() {}\n",
    })
    assert [p.split(" imports ")[0] for p in tree.page_imports_page()] == ["pages/space.js:1"]


def test_a_page_may_import_the_shared_modules_and_thread() -> None:
    tree = Tree({
        "pages/topic.js": js("""
            import { breadcrumb } from "../widgets.js";
            import { applyEvent } from "../thread/state.js";
            export default function topicPage() {}
        """),
        "widgets.js": "export function breadcrumb() {}\n",
        "thread/state.js": "export function applyEvent() {}\n",
        "app.js": 'import topicPage from "./pages/topic.js";\n',
    })
    assert tree.page_imports_page() == []
    assert tree.missing_imports() == []


@pytest.mark.parametrize(("source", "problem"), [
    ('import { breadcrumbs } from "./widgets.js";\n', "'breadcrumbs', which widgets.js"),
    ('import widgets from "./widgets.js";\n', "'default', which widgets.js"),
    ('import { live, follow as go, gone } from "./live.js";\n', "'gone', which live.js"),
    ('import {\n  live,\n  later,\n} from "./live.js";\n', "'later', which live.js"),
    ('import { inner } from "./widgets.js";\n', "'inner', which widgets.js"),
    ('import { h } from "./dom.js";\n', "there is no dom.js"),
    ('import { h } from "./thread/../nowhere/dom.js";\n', "there is no nowhere/dom.js"),
    ('import { html } from "lit";\n', "'lit', which is no module of web/static"),
    ('export { breadcrumb, crumbs } from "./widgets.js";\n', "'crumbs', which widgets.js"),
    ('const page = await import("./gone.js");\n', "there is no gone.js"),
])
def test_an_import_of_a_name_nobody_exports_is_refused(source: str, problem: str) -> None:
    tree = Tree({
        "app.js": source,
        "widgets.js": js("""
            export function breadcrumb() {}
            function inner() {}
            export const tierName = (t) => t, tierMessage = (m) => m;
        """),
        "live.js": js("""
            export class Live {}
            export const live = new Live();
            export function follow() {}
        """),
    })
    problems = tree.missing_imports()
    assert len(problems) == 1, problems
    assert problem in problems[0]
    assert problems[0].startswith("app.js:1 ")


def test_every_way_of_exporting_a_name_counts() -> None:
    tree = Tree({
        "app.js": js("""
            import main, { a, b, c, d, e, f, g, renamed, again, stars } from "./lib.js";
            import * as everything from "./lib.js";
            import { h, clear as empty } from "./dom.js";
        """),
        "lib.js": js("""
            export default async function main() {}
            export async function a() {}
            export function* b() {}
            export class c {}
            export const d = 1, e = [1, 2].map((x) => x), f = { nested: 1 };
            export let { g, inner: renamed } = { g: 1, inner: 2 };
            const hidden = 3;
            export { hidden as again };
            export * from "./more.js";
        """),
        "more.js": "export const stars = 1;\n",
        "dom.js": "export function h() {}\nexport function clear() {}\n",
    })
    assert tree.missing_imports() == []
    assert tree.exports("lib.js") == {"default", "a", "b", "c", "d", "e", "f", "g", "renamed",
                                      "again", "stars"}


@pytest.mark.parametrize(("source", "name", "lines"), [
    ("function tooLong() {\n" + body_of(198) + "}\n", "tooLong", 200),
    ("export default async function page(ctx) {\n" + body_of(198) + "}\n", "page", 200),
    ("class View {\n  render(change) {\n" + body_of(198) + "  }\n}\n", "render", 200),
    ("const apply = (msg) => {\n" + body_of(198) + "};\n", "apply", 200),
    ("const handlers = {\n  onclick: async (e) => {\n" + body_of(198) + "  },\n};\n",
     "onclick", 200),
    ("const row = (o) => h(\"tr\", {},\n" + "  h(\"td\", {}, o.x),\n" * 198 + ");\n", "row", 200),
    ("const f = function () {\n" + body_of(198) + "};\n", "function", 200),
])
def test_a_function_over_150_lines_is_refused(source: str, name: str, lines: int) -> None:
    tree = Tree({"pages/long.js": source})
    problems = tree.long_functions()
    assert len(problems) == 1, problems
    assert f"{name}() is {lines} lines long" in problems[0]


def test_a_function_of_150_lines_is_allowed() -> None:
    source = "function justRight() {\n" + body_of(148) + "}\n"
    assert [f.lines for f in scan(source).functions] == [MAX_FUNCTION_LINES]
    assert Tree({"a.js": source}).long_functions() == []


def test_a_long_closure_counts_whole_and_its_parts_on_their_own() -> None:
    source = js("""
        export default function page() {
          const draw = () => {
        """) + body_of(100) + js("""
          };
          function load() {
        """) + body_of(100) + "  }\n}\n"
    functions = {f.name: f.lines for f in scan(source).functions}
    assert functions == {"page": 206, "draw": 102, "load": 102}
    assert len(Tree({"a.js": source}).long_functions()) == 1


def test_control_statements_are_not_functions() -> None:
    source = js("""
        if (a) {
          b();
        } else if (c) {
          d();
        }
        for (const x of xs) {
          try { go(x); } catch (e) { stop(e); }
        }
        while (more()) { next(); }
        switch (kind) { case 1: break; }
        for await (const chunk of stream) { use(chunk); }
    """)
    assert scan(source).functions == []


def test_braces_quotes_and_words_inside_strings_comments_and_regexes_count_for_nothing() -> None:
    source = js(r"""
        // import { gone } from "./gone.js"; function commented() {
        /* export function notExported() { */
        const s = "import { x } from './x.js'; }}}";
        const t = 'export const y = 1; {{{';
        const quote = /["'`{]/g, half = 10 / 2 / 1;
        const tpl = `function ${ { a: "}" }.a } ${ `${ "{" }` } import { z } from "./z.js"`;
        export function real(a) {
          const re = /\/\}[/{]/;
          return a.replace(/[}"]/g, "{") + `}${a}{` + '}' /* } */; // }
        }
    """)
    module = scan(source)
    assert module.imports == []
    assert module.exports == {"real"}
    assert [(f.name, f.start, f.lines) for f in module.functions] == [("real", 7, 4)]
    assert len(lex(source).code) == len(source)
    assert lex(source).code.count("\n") == source.count("\n")


def test_a_module_the_scanner_cannot_read_is_an_error_not_a_pass() -> None:
    with pytest.raises(ValueError, match="never closed"):
        scan("function broken() {\n  if (a) {\n}\n")
    with pytest.raises(ValueError, match="template literal"):
        scan("const page = import(`./pages/${name}.js`);\n")
    with pytest.raises(ValueError, match="unterminated string"):
        scan('const s = "no end;\n')
