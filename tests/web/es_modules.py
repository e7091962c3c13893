"""A small, careful reader of the front end's ES modules (web/static), for the
rules docs/web.md sets: a page never imports another page, every imported name
is exported by the module it names, and no function is longer than
MAX_FUNCTION_LINES lines.

CI has no node, so this is Python. It does not parse JavaScript; it lexes it
just enough to be right about this code base's modules: comments, string
literals, template literals (with `${...}` nested to any depth) and regular
expression literals are blanked out first, so braces, quotes and the word
`import` inside them count for nothing. Imports and exports are then read with
regular expressions over what is left, and functions (`function`, methods,
arrows with a block or an expression body) are measured by matching brackets.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath

MAX_FUNCTION_LINES = 150

# After one of these words a `/` starts a regular expression, not a division.
_REGEX_AFTER_WORDS = frozenset({
    "return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw",
    "case", "do", "else", "yield", "await",
})
# `word (...) {` is a function (a method, or `function word(...)`) unless the
# word is one of these.
_NOT_FUNCTIONS = frozenset({
    "if", "for", "while", "switch", "catch", "with", "return", "await", "typeof", "in", "of",
})
_IDENT = r"[A-Za-z_$][\w$]*"
_WORD_CHAR = re.compile(r"[\w$]")


@dataclass
class Lexed:
    """`code` is the source with the same length and line breaks, comments,
    regular expressions and the text of string and template literals replaced
    by spaces (quotes, backticks and `${`/`}` are kept). `strings` maps the
    offset of a plain string literal's opening quote to its value; `templates`
    the offset of each piece of a template literal's text (between the backtick
    or `}` and the next `${` or backtick) to that text."""

    code: str
    strings: dict[int, str]
    templates: dict[int, str] = field(default_factory=dict)
    # The offset of each template piece's opening backtick.
    template_open: dict[int, int] = field(default_factory=dict)


def lex(source: str) -> Lexed:
    out = list(source)
    strings: dict[int, str] = {}
    templates: dict[int, str] = {}
    template_open: dict[int, int] = {}
    ticks: list[int] = []  # the backticks of the template literals open at i
    n = len(source)
    i = 0
    # One entry per open `{`: True when it is a template's `${` (its `}`
    # resumes the template literal), False for an ordinary brace.
    braces: list[bool] = []
    last = ""  # the last significant code character (or word) before i

    def blank(a: int, b: int) -> None:
        for k in range(a, b):
            if out[k] != "\n":
                out[k] = " "

    def template(start: int) -> int:
        """From just inside a backtick (or after a template's `}`): the index
        after the closing backtick, or after the `${` that opens an expression."""
        k = start
        while k < n:
            c = source[k]
            if c == "\\":
                k += 2
                continue
            if c == "`":
                templates[start] = source[start:k]
                template_open[start] = ticks.pop()
                blank(start, k)
                return k + 1
            if c == "$" and k + 1 < n and source[k + 1] == "{":
                templates[start] = source[start:k]
                template_open[start] = ticks[-1]
                blank(start, k)
                braces.append(True)
                return k + 2
            k += 1
        raise ValueError("unterminated template literal")

    while i < n:
        c = source[i]
        nxt = source[i + 1] if i + 1 < n else ""
        if c in " \t\r\n":
            i += 1
        elif c == "/" and nxt == "/":
            end = source.find("\n", i)
            end = n if end < 0 else end
            blank(i, end)
            i = end
        elif c == "/" and nxt == "*":
            end = source.find("*/", i + 2)
            if end < 0:
                raise ValueError("unterminated comment")
            blank(i, end + 2)
            i = end + 2
        elif c in "'\"":
            k = i + 1
            while k < n and source[k] != c:
                if source[k] == "\n":
                    raise ValueError(f"unterminated string at offset {i}")
                k += 2 if source[k] == "\\" else 1
            if k >= n:
                raise ValueError(f"unterminated string at offset {i}")
            strings[i] = source[i + 1:k]
            blank(i + 1, k)
            i = k + 1
            last = c
        elif c == "`":
            ticks.append(i)
            i = template(i + 1)
            last = "`" if source[i - 1] == "`" else "{"
        elif c == "/" and _starts_regex(last):
            k = i + 1
            in_class = False
            while k < n and (in_class or source[k] != "/"):
                if source[k] == "\n":
                    raise ValueError(f"unterminated regular expression at offset {i}")
                if source[k] == "\\":
                    k += 1
                elif source[k] == "[":
                    in_class = True
                elif source[k] == "]":
                    in_class = False
                k += 1
            k += 1
            while k < n and _WORD_CHAR.match(source[k]):
                k += 1  # flags
            blank(i + 1, k)
            out[i] = "/"
            i = k
            last = ")"  # a regex is a value: a `/` after it divides
        elif c == "{":
            braces.append(False)
            i += 1
            last = c
        elif c == "}":
            if braces and braces.pop():
                i = template(i + 1)
                last = "`" if source[i - 1] == "`" else "{"
            else:
                i += 1
                last = c
        elif _WORD_CHAR.match(c):
            m = re.compile(r"[\w$]+").match(source, i)
            assert m is not None
            last = m.group()
            i = m.end()
        else:
            i += 1
            last = c
    return Lexed("".join(out), strings, templates, template_open)


def _starts_regex(last: str) -> bool:
    if not last:
        return True
    if _WORD_CHAR.match(last[-1]):
        return last in _REGEX_AFTER_WORDS
    return last not in ")]}`'\""


# ---- imports and exports ----------------------------------------------------------------


@dataclass(frozen=True)
class Import:
    specifier: str
    names: tuple[str, ...]  # exported names it takes ("default" for a default import)
    line: int
    dynamic: bool = False
    everything: bool = False  # `import * as x` or `export * from`: any name will do


@dataclass
class Function:
    name: str
    start: int  # line of its first line (1-based)
    end: int  # line of its last line

    @property
    def lines(self) -> int:
        return self.end - self.start + 1


@dataclass
class Module:
    imports: list[Import] = field(default_factory=list)
    exports: set[str] = field(default_factory=set)
    star_exports: list[str] = field(default_factory=list)  # `export * from "x"`
    functions: list[Function] = field(default_factory=list)


def _line(code: str, offset: int) -> int:
    return code.count("\n", 0, offset) + 1


def _names(clause: str) -> Iterator[tuple[str, str]]:
    """`a, b as c, default as d` -> (a, a), (b, c), (default, d)."""
    for part in clause.split(","):
        words = part.split()
        if not words:
            continue
        if len(words) == 3 and words[1] == "as":
            yield words[0], words[2]
        elif len(words) == 1:
            yield words[0], words[0]
        else:
            raise ValueError(f"cannot read {part.strip()!r} in an import or export list")


_FROM = r"\s*from\s*(?P<q>[\"'])"
_STATIC_IMPORT = re.compile(r"(?<![\w$.])import(?=[\s{*])\s*(?P<clause>[^;\"'`()]*?)" + _FROM)
_BARE_IMPORT = re.compile(r"(?<![\w$.])import\s*(?P<q>[\"'])")
_DYNAMIC_IMPORT = re.compile(r"(?<![\w$.])import\s*\(\s*(?P<q>[\"'`])")
_EXPORT = re.compile(
    r"(?<![\w$.])export\s+(?:"
    r"(?P<default>default)\b"
    rf"|(?:async\s+)?function\b\s*\*?\s*(?P<function>{_IDENT})"
    rf"|class\s+(?P<class>{_IDENT})"
    r"|(?P<decl>const|let|var)\s+"
    r"|\{(?P<list>[^}]*)\}(?:" + _FROM + r")?"
    rf"|\*\s*(?:as\s+(?P<star_as>{_IDENT})\s*)?from\s*(?P<sq>[\"'])"
    r")"
)


def _import_clause(clause: str) -> tuple[tuple[str, ...], bool]:
    """What `import <clause> from` takes: (names, everything)."""
    clause = clause.strip()
    names: list[str] = []
    everything = False
    braces = re.search(r"\{([^}]*)\}", clause)
    if braces:
        names.extend(name for name, _ in _names(braces.group(1)))
        clause = (clause[:braces.start()] + clause[braces.end():]).strip()
    for part in filter(None, (p.strip() for p in clause.split(","))):
        if re.fullmatch(rf"\*\s*as\s+{_IDENT}", part):
            everything = True
        elif re.fullmatch(_IDENT, part):
            names.append("default")
        else:
            raise ValueError(f"cannot read the import clause {clause!r}")
    return tuple(names), everything


def _declared(code: str, start: int) -> list[str]:
    """The names `export const|let|var` declares from `start` (just after the
    keyword): `a = 1, b = 2`, `{ a, b: c } = x`, `[a, b] = x`."""
    names: list[str] = []
    depth = 0
    expect_name = True
    i = start
    statement_start = re.compile(
        r"\n\s*(?:export|import|function|async|const|let|var|class|if|for|while|return)\b")
    while i < len(code):
        c = code[i]
        if expect_name and c in " \t\n":
            i += 1
            continue
        if expect_name:
            expect_name = False
            if c in "{[":
                close = _match(code, i)
                inner = code[i + 1:close]
                for part in _split_top(inner):
                    part = part.split("=")[0].strip()
                    part = part.split(":")[-1].strip().lstrip(".")
                    if re.fullmatch(_IDENT, part):
                        names.append(part)
                i = close + 1
                continue
            m = re.compile(_IDENT).match(code, i)
            if m is None:
                raise ValueError("cannot read an exported declaration")
            names.append(m.group())
            i = m.end()
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                break
            depth -= 1
        elif depth == 0 and c == ";":
            break
        elif depth == 0 and c == ",":
            expect_name = True
        elif depth == 0 and c == "\n" and statement_start.match(code, i):
            break
        i += 1
    return names


def _split_top(text: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for c in text:
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        if c == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(c)
    parts.append("".join(current))
    return parts


def _read_imports_exports(lexed: Lexed, module: Module) -> None:
    code, strings = lexed.code, lexed.strings

    def literal(offset: int) -> str:
        return strings[offset]

    for m in _STATIC_IMPORT.finditer(code):
        names, everything = _import_clause(m.group("clause"))
        module.imports.append(Import(literal(m.start("q")), names, _line(code, m.start()),
                                     everything=everything))
    for m in _BARE_IMPORT.finditer(code):
        module.imports.append(Import(literal(m.start("q")), (), _line(code, m.start())))
    for m in _DYNAMIC_IMPORT.finditer(code):
        if m.group("q") == "`":
            raise ValueError(f"line {_line(code, m.start())}: an import() of a template "
                             "literal cannot be checked; name the module in a plain string")
        module.imports.append(Import(literal(m.start("q")), (), _line(code, m.start()),
                                     dynamic=True, everything=True))
    for m in _EXPORT.finditer(code):
        line = _line(code, m.start())
        if m.group("default"):
            module.exports.add("default")
        elif m.group("function"):
            module.exports.add(m.group("function"))
        elif m.group("class"):
            module.exports.add(m.group("class"))
        elif m.group("decl"):
            module.exports.update(_declared(code, m.end()))
        elif m.group("list") is not None:
            pairs = list(_names(m.group("list")))
            module.exports.update(exported for _, exported in pairs)
            if m.group("q"):
                module.imports.append(Import(literal(m.start("q")),
                                             tuple(local for local, _ in pairs), line))
        else:
            specifier = literal(m.start("sq"))
            if m.group("star_as"):
                module.exports.add(m.group("star_as"))
                module.imports.append(Import(specifier, (), line, everything=True))
            else:
                module.star_exports.append(specifier)
                module.imports.append(Import(specifier, (), line, everything=True))


# ---- functions ----------------------------------------------------------------------------


def _match(code: str, open_at: int) -> int:
    """The index of the bracket closing the one at `open_at`."""
    pairs = {"(": ")", "[": "]", "{": "}"}
    stack = [pairs[code[open_at]]]
    for k in range(open_at + 1, len(code)):
        c = code[k]
        if c in pairs:
            stack.append(pairs[c])
        elif c in ")]}":
            if c != stack.pop():
                raise ValueError(f"line {_line(code, k)}: {c!r} closes nothing open")
            if not stack:
                return k
    raise ValueError(f"line {_line(code, open_at)}: {code[open_at]!r} is never closed")


def _match_back(code: str, close_at: int) -> int:
    """The index of the bracket opening the one at `close_at`."""
    pairs = {")": "(", "]": "[", "}": "{"}
    stack = [pairs[code[close_at]]]
    for k in range(close_at - 1, -1, -1):
        c = code[k]
        if c in pairs:
            stack.append(pairs[c])
        elif c in "([{":
            if c != stack.pop():
                raise ValueError(f"line {_line(code, k)}: {c!r} is never closed")
            if not stack:
                return k
    raise ValueError(f"line {_line(code, close_at)}: {code[close_at]!r} closes nothing open")


def _skip_space(code: str, i: int) -> int:
    while i < len(code) and code[i] in " \t\r\n":
        i += 1
    return i


def _skip_space_back(code: str, i: int) -> int:
    while i >= 0 and code[i] in " \t\r\n":
        i -= 1
    return i


_CONTINUES = re.compile(r"\s*(?:[.?:&|+\-*/%,=<>^]|\?\?|instanceof\b|in\b)")


def _expression_end(code: str, start: int) -> int:
    """The index of the last character of the expression (an arrow's body)
    starting at `start`: it ends before a `,` or `;` or a closing bracket at its
    own depth, or at a line break after a complete value when the next line does
    not carry on with an operator."""
    depth = 0
    last = start
    k = start
    while k < len(code):
        c = code[k]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                return last
            depth -= 1
        elif depth == 0 and c in ",;":
            return last
        elif depth == 0 and c == "\n":
            ended = code[last] in ")]}\"'`" or _WORD_CHAR.match(code[last]) is not None
            if ended and not _CONTINUES.match(code, k + 1):
                return last
        if c not in " \t\r\n":
            last = k
        k += 1
    return last


def _word_before(code: str, end: int) -> tuple[str, int]:
    """The identifier ending at index `end` (inclusive), or "", and where it starts."""
    k = end
    while k >= 0 and _WORD_CHAR.match(code[k]):
        k -= 1
    word = code[k + 1:end + 1]
    return (word, k + 1) if re.fullmatch(_IDENT, word) else ("", end + 1)


def _arrow_name(code: str, arrow_at: int) -> str:
    """`name = (...) =>`, `name: async x =>`: the name, or "arrow"."""
    k = _skip_space_back(code, arrow_at - 1)
    if k >= 0 and code[k] == ")":
        k = _match_back(code, k) - 1
    else:
        while k >= 0 and _WORD_CHAR.match(code[k]):
            k -= 1
    k = _skip_space_back(code, k)
    if code[k - 4:k + 1] == "async" and (k < 5 or not _WORD_CHAR.match(code[k - 5])):
        k = _skip_space_back(code, k - 5)
    if k >= 0 and code[k] in "=:" and code[k - 1:k + 1] not in ("==", "!=", "<=", ">="):
        word, _ = _word_before(code, _skip_space_back(code, k - 1))
        if word:
            return word
    return "arrow"


def _read_functions(code: str) -> list[Function]:
    found: list[Function] = []
    # `name(...) {` and `function name(...) {` and `function (...) {`
    for m in re.finditer(r"\(", code):
        k = _skip_space_back(code, m.start() - 1)
        if k >= 0 and code[k] == "*":
            k = _skip_space_back(code, k - 1)
        name, _ = _word_before(code, k)
        if not name or name in _NOT_FUNCTIONS:
            continue
        close = _match(code, m.start())
        body = _skip_space(code, close + 1)
        if body >= len(code) or code[body] != "{":
            continue
        end = _match(code, body)
        found.append(Function(name, _line(code, m.start()), _line(code, end)))
    # arrows
    for m in re.finditer(r"=>", code):
        body = _skip_space(code, m.end())
        end = _match(code, body) if code[body] == "{" else _expression_end(code, body)
        found.append(Function(_arrow_name(code, m.start()), _line(code, m.start()),
                              _line(code, end)))
    found.sort(key=lambda f: f.start)
    return found


def scan(source: str) -> Module:
    """Imports, exports and functions of one module's source."""
    lexed = lex(source)
    module = Module()
    _read_imports_exports(lexed, module)
    module.functions = _read_functions(lexed.code)
    return module


# ---- the rules over a tree of modules ---------------------------------------------------------


def resolve(importer: str, specifier: str) -> str | None:
    """The path (relative to web/static, posix) a specifier names, or None
    when it names no module of ours (a bare specifier, another origin)."""
    if specifier.startswith("/static/"):
        return specifier[len("/static/"):]
    if not specifier.startswith(("./", "../")):
        return None
    parts: list[str] = []
    for part in (PurePosixPath(importer).parent / specifier).parts:
        if part == "..":
            if not parts:
                return None
            parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


def is_page(path: str) -> bool:
    return path.startswith("pages/")


class Tree:
    """The modules of web/static, by their path relative to it."""

    def __init__(self, sources: Mapping[str, str]) -> None:
        self.modules = {path: scan(text) for path, text in sources.items()}

    def exports(self, path: str, seen: frozenset[str] = frozenset()) -> set[str]:
        module = self.modules[path]
        names = set(module.exports)
        for specifier in module.star_exports:
            target = resolve(path, specifier)
            if target in self.modules and target not in seen:
                names |= self.exports(target, seen | {path}) - {"default"}
        return names

    def page_imports_page(self) -> list[str]:
        return [
            f"{path}:{imp.line} imports the page {target}"
            for path, module in sorted(self.modules.items()) if is_page(path)
            for imp in module.imports
            if (target := resolve(path, imp.specifier)) is not None and is_page(target)
        ]

    def missing_imports(self) -> list[str]:
        problems: list[str] = []
        for path, module in sorted(self.modules.items()):
            for imp in module.imports:
                target = resolve(path, imp.specifier)
                where = f"{path}:{imp.line}"
                if target is None:
                    problems.append(f"{where} imports {imp.specifier!r}, which is no module "
                                    "of web/static (no build step resolves it)")
                elif target not in self.modules:
                    problems.append(f"{where} imports {imp.specifier!r}: there is no {target}")
                else:
                    exported = self.exports(target)
                    problems.extend(f"{where} imports {name!r}, which {target} does not export"
                                    for name in imp.names if name not in exported)
        return problems

    def long_functions(self, limit: int = MAX_FUNCTION_LINES) -> list[str]:
        return [
            f"{path}:{f.start} {f.name}() is {f.lines} lines long (at most {limit})"
            for path, module in sorted(self.modules.items())
            for f in module.functions if f.lines > limit
        ]
