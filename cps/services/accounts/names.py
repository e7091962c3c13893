"""Names people and organizations are known by, made hard to fake.

Every name (a display name, an organization's, a space's) is normalised the
same way: Unicode NFKC (full-width and styled letters become plain ones),
invisible and formatting characters removed (zero-width spaces and joiners,
bidi controls, tags, variation selectors, Hangul fillers...), every run of
whitespace made one space, the ends trimmed. A name with nothing visible left
is refused, and so is one with a check mark, which would pass for the
"Verified" badge.

On top of that:
- a display name may not pass for the platform's staff: its first word (or
  the first word after a bracket, a dash, a comma...) may not be one of
  RESERVED_WORDS, compared after confusable folding ("Adm1n", a full-width
  "MODERATOR", "Staff" with a Cyrillic S, "(moderator)" all count). Platform
  admins may;
- an organization's name may not be a look-alike of another's: two names are
  the same when their keys (`org_name_keys`) meet. A key is the name's
  Unicode TR39 confusable skeleton, case-folded, with accents, whitespace,
  punctuation and symbols dropped, so "City of Seoul", "City of Seou1",
  "City of Seoul" with a Cyrillic i, "CITY  OF  SEOUL" and "City-of-Seoul"
  are one name.

The confusable data is the Unicode Consortium's confusables.txt as shipped by
the `confusable_homoglyphs` package.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterator

from cps.services.errors import Invalid

# Characters that show nothing (or nothing of their own) but are not in the
# categories removed wholesale (Cf format, Cc controls, Cs surrogates): combining
# joiners and variation selectors (Mn), fillers that are letters (Lo), the blank
# Braille pattern (So).
_INVISIBLE_RANGES = (
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x115F, 0x1160),  # Hangul choseong and jungseong fillers
    (0x17B4, 0x17B5),  # Khmer inherent vowels
    (0x180B, 0x180F),  # Mongolian free variation selectors, vowel separator
    (0x200B, 0x200F),  # zero-width space, non-joiner, joiner, LRM, RLM
    (0x202A, 0x202E),  # bidi embeddings and overrides
    (0x2060, 0x206F),  # word joiner, invisible operators, bidi isolates, deprecated formats
    (0x2800, 0x2800),  # Braille pattern blank
    (0x3164, 0x3164),  # Hangul filler
    (0xFE00, 0xFE0F),  # variation selectors
    (0xFEFF, 0xFEFF),  # byte order mark, zero-width no-break space
    (0xFFA0, 0xFFA0),  # half-width Hangul filler
    (0xE0000, 0xE007F),  # tags
    (0xE0100, 0xE01EF),  # variation selectors supplement
)
_REMOVED_CATEGORIES = frozenset({"Cf", "Cc", "Cs"})
# What would pass for the "Verified" badge shown next to a confirmed organization.
CHECK_MARKS = frozenset("\u2713\u2714\u2611\u2705\u221a\U0001f5f8\U0001f5f9\u237b")

# A display name may not start with one of these words: they are how the
# platform's own people, and the organizations' moderators, are named.
RESERVED_WORDS = frozenset({
    "admin", "admins", "administrator", "administrators", "moderator", "moderators",
    "staff", "official", "support", "system", "cps", "secretariat", "sysop",
    # The same words in the languages of the member cities.
    "модератор", "администратор", "админ",  # Russian
    "관리자", "운영자", "운영진",  # Korean
    "moderador", "administrador", "soporte",  # Spanish
    "modérateur", "administrateur",  # French
    "moderatör", "yönetici", "yetkili",  # Turkish
    "مشرف", "المشرف", "مدير", "المدير",  # Arabic
    "管理员", "版主",  # Chinese
})
# Where a new part of a display name starts: brackets, quotes and dashes (Ps, Pe,
# Pi, Pf, Pd) and these ("Jane | Moderator", "Jane - Staff", "Jane, CPS Support").
_SEGMENT_BREAKS = frozenset("|/\\,;:!?@#*~•·‧=+<>")
_SEGMENT_CATEGORIES = frozenset({"Ps", "Pe", "Pi", "Pf", "Pd"})


def _invisible(char: str) -> bool:
    if unicodedata.category(char) in _REMOVED_CATEGORIES:
        return True
    point = ord(char)
    return any(low <= point <= high for low, high in _INVISIBLE_RANGES)


def normalise(raw: str) -> str:
    """NFKC, invisible characters out, whitespace runs as one space, trimmed."""
    text = unicodedata.normalize("NFKC", raw)
    kept = []
    for char in text:
        if char.isspace():
            kept.append(" ")
        elif not _invisible(char):
            kept.append(char)
    # Removing a joiner can bring a letter and its accent together: compose again.
    text = unicodedata.normalize("NFKC", "".join(kept))
    text = " ".join(text.split())
    # A combining mark first would sit on whatever the page shows before the name.
    while text and unicodedata.category(text[0]).startswith("M"):
        text = text[1:].lstrip()
    return text


def clean(raw: str, field: str, *, max_length: int) -> str:
    """The normalised name, or Invalid naming `field`: nothing visible, too long
    once normalised (NFKC can lengthen), or a check mark that mimics the badge."""
    name = normalise(raw)
    if not any(unicodedata.category(c)[0] in "LNPS" for c in name):
        raise Invalid({field: "Enter a name with visible characters."})
    if len(name) > max_length:
        raise Invalid({field: f"At most {max_length} characters."})
    if any(c in CHECK_MARKS for c in name):
        raise Invalid({field: "Check marks are kept for the Verified badge."})
    return name


# --- confusable folding (Unicode TR39) ----------------------------------------


@functools.cache
def _prototypes() -> dict[str, str]:
    """Each confusable character -> the prototype of its class in confusables.txt.

    The package keeps the file's pairs (source -> prototype) both ways; the
    classes are rebuilt with a union-find. A prototype of several characters
    ("rn" for "m") is always the class's representative (sources are single
    code points); otherwise it is the member every other one points to."""
    # Loaded on first use: parsing the data takes a tenth of a second.
    from confusable_homoglyphs import confusables  # type: ignore[import-untyped]

    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def bare(text: str) -> str:  # the data wraps right-to-left characters in LRMs
        return text.replace("\u200e", "").replace("\u200f", "")

    data: dict[str, list[dict[str, str]]] = confusables.confusables_data
    degree: dict[str, int] = {}
    for key, entries in data.items():
        a = bare(key)
        degree[a] = len(entries)
        for entry in entries:
            b = bare(entry["c"])
            if a and b:
                parent[find(a)] = find(b)
    members: dict[str, list[str]] = {}
    for x in list(parent):
        members.setdefault(find(x), []).append(x)
    mapping: dict[str, str] = {}
    for group in members.values():
        longer = [m for m in group if len(m) > 1]
        prototype = longer[0] if longer else max(group, key=lambda m: (degree.get(m, 0), m))
        for member in group:
            if len(member) == 1 and member != prototype:
                mapping[member] = prototype
    return mapping


def skeleton(text: str) -> str:
    """TR39's skeleton: NFD, each character to its prototype, NFD again (until
    nothing changes: a prototype may itself contain mapped characters)."""
    mapping = _prototypes()
    text = unicodedata.normalize("NFD", text)
    for _ in range(4):
        mapped = unicodedata.normalize("NFD", "".join(mapping.get(c, c) for c in text))
        if mapped == text:
            break
        text = mapped
    return text


def _folded(text: str) -> str:
    """Case-folded skeleton, to a fixed point ("0" -> "O" -> "o")."""
    for _ in range(4):
        folded = skeleton(text.casefold()).casefold()
        if folded == text:
            break
        text = folded
    return text


def _letters(text: str) -> str:
    """Only letters and digits: accents, whitespace, punctuation and symbols out."""
    return "".join(c for c in text if unicodedata.category(c)[0] in "LN")


@functools.lru_cache(maxsize=16384)
def org_name_keys(name: str) -> frozenset[str]:
    """What an organization's name is compared by: its case-folded skeleton, and
    its skeleton as written ("SeouI" with a capital I against "Seoul"). Two names
    whose keys meet are confusable."""
    plain = normalise(name)
    keys = {"f:" + _letters(_folded(plain)), "s:" + _letters(skeleton(plain))}
    if keys == {"f:", "s:"}:  # nothing but marks: the name itself
        return frozenset({"n:" + plain.casefold()})
    return frozenset(keys)


# --- display names that pass for staff -----------------------------------------


def _staff_key(word: str) -> str:
    # "1", "l", "I" and "i" are one letter here ("Adm1n", "ADMlN").
    return _letters(_folded(word)).replace("l", "i")


@functools.cache
def _reserved_keys() -> frozenset[str]:
    return frozenset(_staff_key(w) for w in RESERVED_WORDS)


def _segments(name: str) -> Iterator[str]:
    part: list[str] = []
    for char in name:
        if char in _SEGMENT_BREAKS or unicodedata.category(char) in _SEGMENT_CATEGORIES:
            yield "".join(part)
            part = []
        else:
            part.append(char)
    yield "".join(part)


def _words(segment: str) -> list[str]:
    """Words of a segment: runs of letters, digits and the symbols that pass for
    letters ("|" for "l"), split at camel case too ("ModeratorBob")."""
    spaced: list[str] = []
    previous = ""
    for i, char in enumerate(segment):
        following = segment[i + 1] if i + 1 < len(segment) else ""
        if char.isupper() and (previous.islower() or (previous.isupper() and following.islower())):
            spaced.append(" ")
        spaced.append(char)
        previous = char
    words = []
    for chunk in "".join(spaced).split():
        word = _staff_key(chunk)
        if word:
            words.append(word)
    return words


def mimics_staff(name: str) -> bool:
    every_word: list[str] = []
    for segment in _segments(name):
        words = _words(segment)
        every_word += words
        if words and words[0] == "the":
            words = words[1:]
        if words and words[0] in _reserved_keys():
            return True
    # "A d m i n", "M.o.d.e.r.a.t.o.r"
    return "".join(every_word) in _reserved_keys()


def look_alike(a: str, b: str) -> bool:
    """Whether two names read the same (the keys of `org_name_keys` meet)."""
    return bool(org_name_keys(a) & org_name_keys(b))


def display_name(raw: str, *, staff: bool = False) -> str:
    """A person's display name, normalised; refused when it passes for the
    platform's staff, unless the person is a platform admin (`staff`)."""
    name = clean(raw, "display_name", max_length=80)
    if not staff and mimics_staff(name):
        raise Invalid(
            {"display_name": "Names that start with words such as Admin, Moderator, Staff, "
                             "Official, Support, System or CPS are kept for the platform's "
                             "staff; choose another."},
            "This display name would pass for the platform's staff.",
        )
    return name
