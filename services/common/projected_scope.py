"""The caller's scope checked against a service's own projections, and the page answers of its lists.

Every service but roster keeps a projection of roster's organisation tree (the
kernel's ``organisation_tree``) and of members (its own ``members`` table:
``member_id`` and ``organisation_id`` at least), and answers who may see what
from them, never by asking roster. These are the checks their use cases share;
each takes the unit of work (``db``).
"""
from sqlalchemy import func, select

from contracts.errors import ErrorCode, RuleViolation
from services.common import tree


def organisation_tree(db):
    return db.table("organisation_tree")


def visible_organisation(db, organisation_id, scope, field="organisation_id"):
    """The node of an organisation the caller sees; an unknown or unseen one is
    ``unknown_reference`` on ``field`` (a filter or a body naming it)."""
    node = tree.node(db.session, organisation_tree(db), str(organisation_id))
    if not scope.sees_organisation(node):
        raise RuleViolation(ErrorCode.UNKNOWN_REFERENCE, f"{field} names no organisation the caller sees",
                            {field: ["no such organisation"]})
    return node


def sees_organisation(db, scope, organisation_id):
    """Whether ``organisation_id`` is in the service's tree and inside the caller's subtrees."""
    return tree.sees_organisation(db.session, organisation_tree(db), scope, organisation_id)


def sees_member_of(db, scope, member_id, organisation_id):
    """Whether the caller sees a member of ``organisation_id`` (their own record, or their branch)."""
    if scope.unrestricted or scope.is_self(member_id):
        return True
    return sees_organisation(db, scope, organisation_id)


def line_of(db, organisation_id):
    """The ids of the organisation and of every one above it, root first; the organisation alone while its
    ``organisation_created`` event is still on its way."""
    node = tree.node(db.session, organisation_tree(db), organisation_id)
    return [part for part in node.path.split("/") if part] if node else [organisation_id]


def visible_member(db, members, member_id, scope, error=ErrorCode.MEMBER_NOT_FOUND, field=None):
    """The projected member row (of the ``members`` table), if the caller sees them; otherwise
    ``member_not_found`` (404), or ``unknown_reference`` on ``field`` when the member is named in a body
    rather than in the URL."""
    row = db.session.execute(select(members).where(members.c.member_id == str(member_id))).first()
    if row is None or not sees_member_of(db, scope, row.member_id, row.organisation_id):
        if field is not None:
            raise RuleViolation(ErrorCode.UNKNOWN_REFERENCE, f"{field} names no member the caller sees",
                                {field: ["no such member"]})
        raise RuleViolation(error, f"member {member_id} not found")
    return row


def scope_clause(db, scope, organisation_column, member_column=None):
    """A WHERE clause: rows of organisations the caller sees (or the caller's own, as a member)."""
    clause = tree.in_scope(db.session, organisation_tree(db), scope, organisation_column)
    if member_column is not None and scope.member_id is not None and not scope.unrestricted:
        clause = clause | (member_column == scope.member_id)
    return clause


def within(db, organisation_id, organisation_column):
    """A WHERE clause: rows of ``organisation_id``'s subtree."""
    node = tree.node(db.session, organisation_tree(db), str(organisation_id))
    inside = select(organisation_tree(db).c.id).where(tree.in_subtrees(organisation_tree(db).c.path, [node.path]))
    return organisation_column.in_(inside)


def paged(db, statement, query, order_by, view=lambda row: dict(row._mapping)):
    """The requested page of a SELECT as the contracts' page schemas answer it, each row through ``view``."""
    rows, total = page(db, statement, query, order_by)
    return {"items": [view(row) for row in rows], "total": total,
            "page": query.get("page", 1), "per_page": query.get("per_page", 20)}


def page(db, statement, query, order_by):
    """(rows of the requested page, total) of a SELECT."""
    total = db.session.execute(select(func.count()).select_from(statement.subquery())).scalar()
    per_page = query.get("per_page", 20)
    rows = db.session.execute(
        statement.order_by(*order_by).limit(per_page).offset((query.get("page", 1) - 1) * per_page)
    ).all()
    return rows, total
