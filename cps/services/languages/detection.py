"""The language a post is written in, told from its text (py3langid).

Chosen over lingua-language-detector by bench/languages.py (docs/languages.md):
as accurate on short civic posts in the seven languages, 15x less CPU per post
when free to answer any language, 20x smaller installed, loaded in under a second.
It answers any of 97 languages, not only the seven of the interface: a post in
Azerbaijani or Persian is `az` or `fa`, not a wrong `tr` or `ar`.

Too little text to tell (fewer than `MIN_LETTERS` letters once links, mentions and
code are left out) or a guess under `MIN_CONFIDENCE` gives None: no language is
better than a wrong one. The model is loaded on first use (about 0.8 s), once per
process; a guess costs about 0.1 ms of CPU.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

MIN_LETTERS = 10
MIN_CONFIDENCE = 0.5
READ_CHARS = 400  # a long post is told from its start: enough, and bounded in time
# What is not the writer's language: links, @handles, code, markdown's marks.
_NOT_PROSE = re.compile(r"```.*?(```|$)|`[^`]*`|https?://\S+|www\.\S+|@[\w.-]+|[#*_>\[\]()|~]",
                        re.DOTALL)


def warm() -> None:
    """Load the model now (a server's start), not in the first post's request."""
    _identifier()


@cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def prose(text: str) -> str:
    return _NOT_PROSE.sub(" ", text[:READ_CHARS])


def detect(text: str) -> str | None:
    """The ISO 639-1 code (a BCP 47 language tag) of the text's language, or None."""
    words = prose(text)
    if sum(1 for c in words if c.isalpha()) < MIN_LETTERS:
        return None
    code, confidence = _identifier().classify(words)
    return str(code) if float(confidence) >= MIN_CONFIDENCE else None
