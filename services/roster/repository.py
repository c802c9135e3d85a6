"""SQLAlchemy repositories and the roster's unit of work over the common one.

Lists and exports are filtered to the caller's ``Visibility`` here, in SQL, with
the same rule the domain states for one object: an organisation is visible when
its path starts with the path of a granted root; a member when their branch is,
or when they are the caller.
"""
from sqlalchemy import false, func, or_, select, true
from sqlalchemy.exc import IntegrityError

from contracts.errors import ErrorCode, ServiceError
from services.common.tables import cipher_for
from services.roster.domain.member import Member
from services.roster.domain.organisation import Organisation
from services.roster.models import members, organisations


def _visible_paths(session, visibility):
    """The paths of the caller's granted roots (a root that does not exist grants nothing)."""
    if not visibility.organisation_ids:
        return []
    return session.scalars(
        select(organisations.c.path).where(organisations.c.id.in_(sorted(visibility.organisation_ids)))
    ).all()


def _in_subtrees(path_column, paths):
    return or_(*[path_column.startswith(path, autoescape=True) for path in paths]) if paths else false()


class SqlOrganisations:
    def __init__(self, session):
        self.session = session

    def add(self, organisation):
        self.session.add(organisation)

    def get(self, organisation_id):
        return self.session.get(Organisation, str(organisation_id))

    def visible_clause(self, visibility):
        if visibility.unrestricted:
            return true()
        return _in_subtrees(organisations.c.path, _visible_paths(self.session, visibility))

    def list(self, *, visibility, kind=None, parent_id=None, offset=0, limit=20):
        query = select(Organisation).where(self.visible_clause(visibility))
        if kind:
            query = query.where(Organisation.kind == kind)
        if parent_id:
            query = query.where(Organisation.parent_id == str(parent_id))
        total = self.session.scalar(select(func.count()).select_from(query.subquery()))
        items = self.session.scalars(query.order_by(Organisation.path).offset(offset).limit(limit)).all()
        return items, total

    def subtree(self, organisation):
        """Every node under ``organisation``, itself included, parents before children."""
        query = (
            select(Organisation)
            .where(Organisation.path.startswith(organisation.path, autoescape=True))
            .order_by(Organisation.depth, Organisation.name)
        )
        return self.session.scalars(query).all()


class SqlMembers:
    def __init__(self, session):
        self.session = session

    def add(self, member):
        self.session.add(member)

    def get(self, member_id, for_update=False):
        # Movements lock the member's row so two concurrent reports serialise.
        query = select(Member).where(Member.id == str(member_id))
        if for_update:
            # OF members: the open departure is outer-joined and cannot be locked.
            query = query.with_for_update(of=members)
        return self.session.scalars(query).unique().one_or_none()

    def _index(self, value, purpose):
        return cipher_for(self.session.get_bind()).index(value, purpose)

    def find_by_id_number(self, id_number):
        """Exact match through the keyed hash index: the ciphertext is never compared."""
        query = select(Member).where(members.c.id_number_index == self._index(id_number, "id_number"))
        return self.session.scalars(query).unique().one_or_none()

    def _filtered(self, *, visibility, organisation=None, status=None, membership=None, gender=None, name=None):
        query = select(Member)
        if not visibility.unrestricted:
            paths = _visible_paths(self.session, visibility)
            in_scope = Member.organisation_id.in_(
                select(organisations.c.id).where(_in_subtrees(organisations.c.path, paths))
            ) if paths else false()
            if visibility.member_id is not None:
                in_scope = or_(in_scope, Member.id == visibility.member_id)
            query = query.where(in_scope)
        if organisation is not None:
            query = query.where(Member.organisation_id.in_(
                select(organisations.c.id).where(organisations.c.path.startswith(organisation.path, autoescape=True))
            ))
        if status:
            query = query.where(Member.status == status)
        if membership:
            query = query.where(Member.membership == membership)
        if gender:
            query = query.where(Member.gender == gender)
        if name:
            query = query.where(Member.name.contains(name, autoescape=True))
        return query

    def _count(self, query):
        return self.session.scalar(select(func.count()).select_from(query.subquery()))

    def list(self, *, visibility, offset=0, limit=20, **filters):
        query = self._filtered(visibility=visibility, **filters)
        total = self._count(query)
        items = self.session.scalars(query.order_by(Member.registered_at, Member.id).offset(offset).limit(limit)).unique().all()
        return items, total

    def export(self, *, visibility, max_rows, **filters):
        """Every matching member, or only the count when there are more than ``max_rows``."""
        query = self._filtered(visibility=visibility, **filters)
        total = self._count(query)
        if total > max_rows:
            return None, total
        return self.session.scalars(query.order_by(Member.registered_at, Member.id)).unique().all(), total


class RosterUnitOfWork:
    """What the roster's use cases see: repositories, events, commit."""

    def __init__(self, unit_of_work):
        self._unit = unit_of_work
        self.organisations = SqlOrganisations(unit_of_work.session)
        self.members = SqlMembers(unit_of_work.session)

    def add_event(self, event):
        self._unit.add_event(event)

    def commit(self):
        try:
            self._unit.commit()
        except IntegrityError as exc:
            self._unit.rollback()
            # Two registrations of one ID number raced past the check: the unique
            # index refused the second. Its message holds the hash, never the number.
            if "id_number_index" in str(exc.orig):
                raise ServiceError(ErrorCode.DUPLICATE_ID_NUMBER, "a member with this ID number is already registered",
                                   {"id_number": ["already registered"]}) from None
            raise

    def rollback(self):
        self._unit.rollback()
