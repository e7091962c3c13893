"""What the following services answer."""

from __future__ import annotations

from typing import Literal

from cps.services.views import View

Level = Literal["watching", "tracking", "normal", "muted"]


class FollowView(View):
    """A person's level for a topic or a space. For a topic without a level of its
    own, the level it has from its space (`inherited` is then true)."""

    level: Level
    inherited: bool = False
