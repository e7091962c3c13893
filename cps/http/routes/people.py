"""/people: finding a person by name for the administration pages' pickers."""

from __future__ import annotations

from pydantic import BaseModel

from cps.http.api import Call, Endpoint, QueryParam, query_text
from cps.services.accounts.views import Author
from cps.services.orgs import people

QUERY = QueryParam("q", "The start of a handle or of a word of a name (a leading @ is "
                   "ignored); empty: nobody", pattern=r"^[^\x00]{0,80}$")


class PeopleList(BaseModel):
    users: list[Author]


async def find_people(call: Call) -> PeopleList:
    return PeopleList(users=await people.find(call.ctx, call.user, query_text(call, QUERY) or ""))


def endpoints() -> list[Endpoint]:
    return [
        Endpoint("GET", "/people", find_people,
                 "People by the start of their handle or of a word of their name, at most "
                 "10, never their email (moderators and admins, for choosing a person by "
                 "name)", response=PeopleList, auth="required", query=(QUERY,),
                 errors=(401, 403, 422)),
    ]
