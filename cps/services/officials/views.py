"""What the officials services answer: who speaks for an organization, and since when."""

from __future__ import annotations

from datetime import datetime

from cps.services.accounts.views import Author
from cps.services.views import View


class OfficialView(View):
    """A person an organization's admins named to answer in its name. Officials are
    public figures: anyone may read who they are."""

    user: Author
    created_at: datetime
