"""New passwords follow NIST SP 800-63B (issue 12, item 7): 8 to 128 characters
counted after Unicode NFKC, no composition rules, and refused when common (the
100,000 most common, shipped with the package), the account's email or display
name, or one character repeated (only spaces included)."""

from __future__ import annotations

import gzip
import sqlite3
from importlib import resources
from pathlib import Path

import httpx
import pytest

from cps.services.accounts import password_rules
from cps.services.accounts.password_rules import (
    COMMON,
    IS_EMAIL,
    IS_NAME,
    REPEATED,
    TOO_LONG,
    TOO_SHORT,
    check_password,
    common_passwords,
)
from cps.services.errors import Invalid
from tests.api.helpers import assert_error
from tests.support.api import PREFIX
from tests.test_cli import cps

EMAIL = "annelise.martin@example.org"
NAME = "Annelise of Main Street"


def refusal(password: str, *, email: str = EMAIL, display_name: str = NAME) -> str:
    """The message a person sees next to the password field."""
    with pytest.raises(Invalid) as refused:
        check_password(password, email=email, display_name=display_name)
    assert set(refused.value.fields) == {"password"}
    return refused.value.fields["password"]


# --- refusals, one reason at a time --------------------------------------------------


@pytest.mark.parametrize("password", [
    "",
    "Tz9$qL4",  # 7 characters
    "日本語のパスワ",  # 7 characters, 21 bytes: characters count, not bytes
    "e\u0301" * 4 + "x",  # 9 code points as typed, 5 once NFKC composes each é
])
def test_fewer_than_8_characters_after_normalising_are_refused(password: str) -> None:
    assert refusal(password) == TOO_SHORT


def test_more_than_128_characters_after_normalising_are_refused() -> None:
    assert refusal("horse " * 21 + "abc") == TOO_LONG  # 129
    # 127 as typed, but NFKC spells the ligature ﬃ as "ffi": 129.
    typed = "battery " * 15 + "staple" + "\ufb03"
    assert len(typed) == 127
    assert refusal(typed) == TOO_LONG


@pytest.mark.parametrize("password", [
    "        ",  # eight spaces
    "\t\t\t\t\t\t\t\t",
    "\u3000" * 8,  # ideographic spaces
    "\u200b" * 8,  # zero-width spaces: nothing shows
    "aaaaaaaa",
    "%%%%%%%%%%%%%%%%%%%%",
    " z z z z z z z z ",
    "ＡＡＡＡＡＡＡＡ",  # full-width A, one letter under NFKC
])
def test_one_repeated_character_or_only_spaces_is_refused(password: str) -> None:
    assert refusal(password) == REPEATED


@pytest.mark.parametrize("password", [
    "password",
    "12345678",
    "PASSWORD",  # case does not help
    "Password1",
    "qwertyuiop",
    "iloveyou",
    "trustno1",
    "  password  ",  # nor spaces at either end
    "ｐａｓｓｗｏｒｄ",  # full-width letters are "password" under NFKC
])
def test_common_and_breached_passwords_are_refused(password: str) -> None:
    assert refusal(password) == COMMON


@pytest.mark.parametrize("password", [
    EMAIL,
    EMAIL.upper(),
    "annelise.martin",  # the part before the @
    " Annelise.Martin ",
])
def test_the_accounts_own_email_is_refused(password: str) -> None:
    assert refusal(password) == IS_EMAIL


@pytest.mark.parametrize("password", [NAME, NAME.lower(), "ANNELISE OF MAIN STREET"])
def test_the_accounts_own_display_name_is_refused(password: str) -> None:
    assert refusal(password) == IS_NAME
    assert refusal(password, display_name=f"  {NAME}  ") == IS_NAME


def test_messages_speak_to_a_person() -> None:
    for message in (TOO_SHORT, TOO_LONG, REPEATED, COMMON, IS_EMAIL, IS_NAME):
        assert message[0].isupper() and message.endswith(".")
        assert "NFKC" not in message and "password_rules" not in message
    assert "8 characters" in TOO_SHORT and "128 characters" in TOO_LONG


# --- acceptances ----------------------------------------------------------------------


@pytest.mark.parametrize("password", [
    "Tz9$qL4w",  # exactly 8
    "e\u0301" * 7 + "xy",  # 16 code points as typed, 9 characters after NFKC
    "the ferry leaves at nine but the rain stays all afternoon",
    "Unsere Straßenbahn fährt nachts über die Brücke",
    "автобус приходит вовремя",
    "バスは時間通りに来る",
    "battery " * 16,  # 128: the upper bound itself
    "battery " * 15 + "staple" + "\ufb00",  # 128 after NFKC (ﬀ is "ff")
    "12345678 is not my password",  # a common password inside a longer one is fine
    "aaaa bbbb",  # two characters: no composition rules beyond "not one repeated"
])
def test_passphrases_of_any_script_are_accepted(password: str) -> None:
    check_password(password, email=EMAIL, display_name=NAME)


@pytest.mark.parametrize("password", [
    "correct horse battery",  # tests/support/api.py and most tests
    "bench password 1234",  # bench/fanout.py
    "a long passphrase", "another passphrase",  # tests/test_cli.py
    "a long enough password", "another long password",  # tests/browser
])
def test_the_passwords_this_project_uses_are_accepted(password: str) -> None:
    check_password(password, email="person1@example.org", display_name="Person 1")


def test_what_only_contains_the_email_or_name_is_accepted() -> None:
    check_password(f"{NAME} likes trams", email=EMAIL, display_name=NAME)
    check_password("annelise.martin@example.org!", email=EMAIL, display_name=NAME)


# --- the shipped list -----------------------------------------------------------------


def test_the_list_of_100000_common_passwords_ships_inside_the_package() -> None:
    data = resources.files("cps").joinpath("data", "common-passwords.txt.gz").read_bytes()
    lines = gzip.decompress(data).decode("utf-8").splitlines()
    assert len(lines) == 100_000
    assert lines[:4] == ["123456", "password", "12345678", "qwerty"]  # most common first
    assert len(set(lines)) == 100_000
    # Compared case-insensitively, a few (Password, PASSWORD) fold into one.
    listed = common_passwords()
    assert len(listed) >= 95_000
    for known in ("123456", "password", "12345678", "qwerty", "letmein", "dragon", "monkey",
                  "iloveyou", "sunshine", "princess", "football", "baseball", "070162"):
        assert known in listed
    assert "correct horse battery" not in listed


def test_the_list_is_read_once() -> None:
    assert common_passwords() is common_passwords()
    assert password_rules.common_passwords.cache_info().currsize == 1


# --- at the edges (wired by accounts.register and `cps create-admin`) ------------------


@pytest.mark.anyio
async def test_registration_refuses_weak_passwords_with_a_message_by_the_field(http: httpx.AsyncClient) -> None:
    """Expected once accounts.register calls check_password: 422 `invalid` with the
    reason in `fields.password`, no account made, and a good password then works."""
    email = "ana.lopez@example.org"
    for password, message in [("        ", REPEATED), ("password", COMMON),
                              ("12345678", COMMON), (email, IS_EMAIL),
                              ("Ana Lopez Garcia", IS_NAME)]:
        r = await http.post(f"{PREFIX}/auth/register", json={
            "email": email, "password": password, "display_name": "Ana Lopez Garcia"})
        error = assert_error(r, 422, "invalid")
        assert error["fields"] == {"password": message}, error
    r = await http.post(f"{PREFIX}/auth/register", json={
        "email": email, "password": "trams run late on sundays",
        "display_name": "Ana Lopez Garcia"})
    assert r.status_code == 201, r.text  # not 409: no refusal made an account


def test_create_admin_refuses_a_common_password(tmp_path: Path) -> None:
    """Expected once `cps create-admin` checks the password: it says why and makes
    no account."""
    result = cps(tmp_path, "create-admin", "--email", "root@example.org",
                 "--password", "password")
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "most common passwords" in result.stderr
    database = tmp_path / "cps.db"
    if database.exists():
        with sqlite3.connect(database) as db:
            assert db.execute("SELECT count(*) FROM users").fetchone() == (0,)
