"""What an audit row's `detail` says, written and read by one module.

`detail` is the row's own words (rows are never rewritten, so an old row keeps
the words it was written with). Two of its forms are also read back into the
audit entry's fields: when a sanction ends (`until`) and how many flags an act
settled (`flags`). The services that record those acts write them with
`sanction` and `flags` below, and `trail` reads them with `until_of` and
`flags_of`, so the writer and the reader cannot drift apart.
"""

from __future__ import annotations

import re
from datetime import datetime

FOREVER = "forever"
_UNTIL = re.compile(r"^until (\S+?)(?:;|$)")
_FLAGS = re.compile(r"^(\d+) flags?(?:;|$)")


def sanction(until: datetime | None, replaces: int | None = None) -> str:
    """A ban's or a mute's end ("until 2027-01-01T00:00:00+00:00", "until forever"),
    and the sanction it replaces."""
    said = f"until {until.isoformat() if until is not None else FOREVER}"
    return said + (f"; replaces {replaces}" if replaces is not None else "")


def flags(count: int, *, restored: bool = False) -> str:
    """How many flags an act settled ("1 flag", "3 flags"), and whether the post
    came back."""
    return f"{count} flag{'' if count == 1 else 's'}" + ("; restored" if restored else "")


def until_of(detail: str) -> datetime | None:
    """The end `sanction` wrote (None: none, or forever)."""
    found = _UNTIL.match(detail)
    if found is None or found.group(1) == FOREVER:
        return None
    try:
        return datetime.fromisoformat(found.group(1))
    except ValueError:  # words this module never writes
        return None


def flags_of(detail: str) -> int | None:
    """The count `flags` wrote."""
    found = _FLAGS.match(detail)
    return int(found.group(1)) if found else None
