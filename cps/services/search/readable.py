"""What a searcher may read, as SQL conditions on the rows a search joins (`Space`,
`Post`), so the database never returns what they may not see: nothing is filtered
out of a page afterwards, and a page is never short or a count off because of it.

The rules are the ones a space and a thread apply one object at a time
(`orgs.access.SpaceAccess.can_view`, `discussion.posts.post_view`,
`discussion.admission.visible_to`), made set-wise:

- a space: public, or the searcher is its member, its moderator, an admin of its
  organization or a platform admin (`orgs.access.staff_of`), and not banned from
  it (a ban in force, `orgs.standing.in_force`): a banned person sees of a space
  only what is public;
- a post: published (not hidden, not held for review, not deleted); a hidden or
  held one only to the space's moderators (staff), a hidden one to its author
  too; a deleted post to nobody (its text is gone from the thread for everyone).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, not_, or_

from cps.services.context import Actor
from cps.services.orgs.access import staff_of
from cps.services.orgs.standing import in_force
from cps.storage.models import Post, Sanction, Space, SpaceMember


def _banned(uid: int) -> ColumnElement[bool]:
    return exists().where(Sanction.space_id == Space.id, Sanction.user_id == uid,
                          Sanction.kind == "ban", in_force())


def _staff(uid: int) -> ColumnElement[bool]:
    return staff_of(Space.id, Space.org_id, uid)


def space(actor: Actor | None) -> ColumnElement[bool]:
    """The spaces whose topics and posts `actor` may find."""
    public = Space.visibility == "public"
    if actor is None:
        return public
    member = exists().where(SpaceMember.space_id == Space.id, SpaceMember.user_id == actor.id)
    return or_(public, and_(or_(member, _staff(actor.id)), not_(_banned(actor.id))))


def published() -> ColumnElement[bool]:
    return and_(Post.hidden.is_(False), Post.review.is_(None), Post.deleted_at.is_(None))


def post(actor: Actor | None) -> ColumnElement[bool]:
    """The posts `actor` may find, in a space they may read (`space`)."""
    if actor is None:
        return published()
    own_hidden = and_(Post.author_id == actor.id, Post.hidden.is_(True), Post.review.is_(None))
    return or_(
        published(),
        and_(Post.deleted_at.is_(None), not_(_banned(actor.id)),
             or_(own_hidden, _staff(actor.id))),
    )

