"""What a new password must be, after NIST SP 800-63B (section 5.1.1.2).

Length is counted in characters (Unicode code points) after NFKC normalisation,
with invisible characters (controls, format characters such as the zero-width
space) dropped and each run of white space counted as one, trimmed at both
ends: at least 8, at most 128 (so "ab" padded with six spaces is two
characters, and "pass\u200bword" is "password"). No composition rules (no "one digit, one capital").
Refused: a password from the list of the 100,000 most common ones shipped in
cps/data, the account's email or its part before the @, its display name, and one
character repeated (spaces and invisible characters aside, so only spaces too).
Comparisons use that same form, case folded.
"""

from __future__ import annotations

import gzip
import unicodedata
from functools import cache
from importlib import resources

from cps.services.errors import Invalid

MIN_LENGTH = 8
MAX_LENGTH = 128
COMMON_PASSWORDS_FILE = "common-passwords.txt.gz"
_INVISIBLE = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})
_DROPPED = frozenset({"Cc", "Cf"})  # removed before measuring: controls, zero-width...

TOO_SHORT = (
    f"Use at least {MIN_LENGTH} characters (spaces in a row count as one). "
    "A few words you will remember make a good password."
)
TOO_LONG = f"Use at most {MAX_LENGTH} characters."
REPEATED = "One character repeated, or only spaces, is too easy to guess. Choose another password."
COMMON = (
    "This is one of the most common passwords, among the first that attackers try. "
    "Choose another."
)
IS_EMAIL = "Your password must not be your email address. Choose another."
IS_NAME = "Your password must not be your display name. Choose another."


def normalise(text: str) -> str:
    """The form a password is measured and compared in: NFKC (as NIST asks), without
    invisible characters, each run of white space one space, trimmed."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
        text = "".join(c for c in text if unicodedata.category(c) not in _DROPPED)
    elif not text.isprintable():
        text = "".join(c for c in text if c.isprintable() or c.isspace())
    return " ".join(text.split())


def _fold(normalised: str) -> str:
    # NFKC leaves ASCII as it is; casefold is lower there.
    return normalised.lower() if normalised.isascii() else normalised.casefold()


def _key(text: str) -> str:
    """The form two passwords are compared in: `normalise`d and case folded."""
    return _fold(normalise(text))


def _visible(text: str) -> set[str]:
    """The distinct characters of `text` that show: not spaces, controls or invisible."""
    return {c for c in text if not c.isspace() and unicodedata.category(c) not in _INVISIBLE}


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, compared by `_key`; read on first use."""
    data = resources.files("cps").joinpath("data", COMMON_PASSWORDS_FILE).read_bytes()
    lines = gzip.decompress(data).decode("utf-8").splitlines()
    return frozenset(_key(line) for line in lines if line)


def check_password(password: str, *, email: str, display_name: str) -> None:
    """Raise `Invalid({"password": ...})` with a message for a person if `password`
    may not be used for the account with this email and display name."""
    normalised = normalise(password)
    repeated = len(_visible(normalised)) <= 1
    if repeated and len(password) >= MIN_LENGTH:
        raise Invalid({"password": REPEATED})  # eight spaces, "aaaaaaaa"
    if len(normalised) < MIN_LENGTH:
        raise Invalid({"password": TOO_SHORT})
    if len(normalised) > MAX_LENGTH:
        raise Invalid({"password": TOO_LONG})
    if repeated:  # typed shorter, lengthened by NFKC
        raise Invalid({"password": REPEATED})
    key = _fold(normalised)
    address = _key(email)
    if key in {address, address.rpartition("@")[0]}:
        raise Invalid({"password": IS_EMAIL})
    if key == _key(display_name):
        raise Invalid({"password": IS_NAME})
    if key in common_passwords():
        raise Invalid({"password": COMMON})
