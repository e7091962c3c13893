"""Error messages as written in the code, found by reading it (no call to mark).

Services raise `DomainError`s with English messages (and `Invalid` with a message
per field); the edge translates them. This reader finds every such message, so
that Babel extracts them into cps/locale/cps.pot (babel.cfg names it as an
extraction method) and a test can tell when one is missing from the catalogues.
An f-string becomes a template: each `{expression}` a named placeholder, named
after the expression (`{rules.STATEMENT_MAX}` reads `{STATEMENT_MAX}`); the edge
matches a raised message against the templates to fill the translation in.
"""

from __future__ import annotations

import ast
import io
import re
from collections.abc import Iterator
from typing import IO, Any

from babel.messages.extract import extract_python

# The classes whose first argument is a message, and where their other texts are.
ERRORS = frozenset({
    "DomainError", "NotSignedIn", "Forbidden", "NotFound", "Conflict", "TierRequired",
    "QuotaExceeded", "RateLimited", "Unavailable", "SlowMode",
})
FIELD_ERRORS = frozenset({"Invalid", "BlockedWords"})  # fields first, then the message
# The message's position: the envelope's builders, and pydantic's error of our own
# (a request body's validator raises `PydanticCustomError(type, message)`).
ENVELOPES = {"error_response": 2, "error_body": 1, "PydanticCustomError": 1}
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
# Keywords that pass a message, in a call or as a parameter's default: `message`, and
# `missing`, the NotFound's message of the access lookups (cps/services/orgs/access.py).
MESSAGE_KEYWORDS = frozenset({"message", "missing"})


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Call):
        return _name(node.func)
    return "value"


def template(node: ast.expr, constants: dict[str, str]) -> str | None:
    """The message an expression spells, with placeholders; None if it is not text."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name) and node.id in constants:
        return constants[node.id]
    if isinstance(node, ast.JoinedStr):
        parts: list[str] = []
        used: dict[str, int] = {}
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            elif isinstance(value, ast.FormattedValue):
                name = _name(value.value).strip("_") or "value"
                used[name] = used.get(name, 0) + 1
                parts.append("{" + (name if used[name] == 1 else f"{name}{used[name]}") + "}")
        return "".join(parts)
    if isinstance(node, ast.IfExp):
        return None
    return None


def _texts(node: ast.expr, constants: dict[str, str]) -> Iterator[str]:
    if isinstance(node, ast.IfExp):
        yield from _texts(node.body, constants)
        yield from _texts(node.orelse, constants)
        return
    text = template(node, constants)
    if text:
        yield text


def _called(call: ast.Call) -> str:
    return _name(call.func) if isinstance(call.func, ast.Name | ast.Attribute) else ""


def messages(source: str) -> Iterator[tuple[int, str]]:
    """(line, message) for each error message the module's code writes."""
    tree = ast.parse(source)
    # Module constants that spell text (an f-string one is a template).
    constants = {
        target.id: text
        for stmt in tree.body if isinstance(stmt, ast.Assign)
        and isinstance(stmt.value, ast.Constant | ast.JoinedStr)
        and (text := template(stmt.value, {})) is not None
        for target in stmt.targets if isinstance(target, ast.Name)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for expr in _message_defaults(node.args):
                for text in _texts(expr, constants):
                    yield expr.lineno, text
            continue
        if not isinstance(node, ast.Call):
            continue
        called = _called(node)
        found: list[ast.expr] = []
        if called in ERRORS and node.args:
            found.append(node.args[0])
        elif called in FIELD_ERRORS:
            if node.args and isinstance(node.args[0], ast.Dict):
                found.extend(v for v in node.args[0].values if v is not None)
            found.extend(node.args[1:2])
        elif called in ENVELOPES and len(node.args) > ENVELOPES[called]:
            found.append(node.args[ENVELOPES[called]])
        found.extend(k.value for k in node.keywords if k.arg in MESSAGE_KEYWORDS)
        for expr in found:
            for text in _texts(expr, constants):
                yield node.lineno, text


def _message_defaults(args: ast.arguments) -> Iterator[ast.expr]:
    """The defaults of a function's parameters named in MESSAGE_KEYWORDS."""
    positional = [*args.posonlyargs, *args.args]
    paired = [*zip(positional[len(positional) - len(args.defaults):], args.defaults,
                   strict=True),
              *((arg, default) for arg, default in zip(args.kwonlyargs, args.kw_defaults,
                                                       strict=True) if default is not None)]
    return (default for arg, default in paired if arg.arg in MESSAGE_KEYWORDS)


# Texts other than errors (email, notifications) are marked by the call that
# translates them: `gettext_in(code, "text")`, `ngettext_in(code, "one", "many", n)`.
# The catalogue's comment on a word marked by `N_word` (catalogues.py): the words
# `messages.translate` translates where they fill a template.
FILL_WORD = "a word filled into other messages"
KEYWORDS = {"gettext_in": (2,), "ngettext_in": (2, 3), "N_": (1,), "N_plural": (1, 2),
            "N_word": (1,)}


def extract(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, Any, Any, list[str]]]:
    """The Babel extraction method babel.cfg names: a module's translated texts and
    its error messages."""
    source = fileobj.read()
    for line, funcname, found, comments in extract_python(
        io.BytesIO(source), KEYWORDS, comment_tags, options
    ):
        # Handed on under the standard names, the code argument left out.
        if funcname == "gettext_in" and isinstance(found, tuple) and len(found) > 1:
            yield line, "gettext", found[1:2], comments
        elif funcname == "ngettext_in" and isinstance(found, tuple) and len(found) > 2:
            yield line, "ngettext", found[1:3], comments
        elif funcname == "N_" and isinstance(found, str):
            yield line, "gettext", found, comments
        elif funcname == "N_word" and isinstance(found, str):
            yield line, "gettext", found, [*comments, FILL_WORD]
        elif funcname == "N_plural" and isinstance(found, tuple) and len(found) == 2:
            yield line, "ngettext", found, comments
    for line, text in messages(source.decode("utf-8")):
        yield line, None, text, ["error message" + (" (a template)" if "{" in text else "")]
