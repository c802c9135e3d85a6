"""SQLAlchemy repositories and the roster's unit of work over the common one."""
from sqlalchemy import func, select

from services.roster.domain.member import Member
from services.roster.domain.organisation import Organisation
from services.roster.models import members, organisations


class SqlOrganisations:
    def __init__(self, session):
        self.session = session

    def add(self, organisation):
        self.session.add(organisation)

    def get(self, organisation_id):
        return self.session.get(Organisation, str(organisation_id))

    def list(self, *, kind=None, parent_id=None, offset=0, limit=20):
        query = select(Organisation)
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

    def id_number_taken(self, id_number):
        return self.session.scalar(select(func.count()).where(Member.id_number == id_number)) > 0

    def list(self, *, organisation=None, status=None, membership=None, gender=None, name=None, offset=0, limit=20):
        query = select(Member)
        if organisation is not None:
            query = query.join(organisations, organisations.c.id == Member.organisation_id).where(
                organisations.c.path.startswith(organisation.path, autoescape=True)
            )
        if status:
            query = query.where(Member.status == status)
        if membership:
            query = query.where(Member.membership == membership)
        if gender:
            query = query.where(Member.gender == gender)
        if name:
            query = query.where(Member.name.contains(name, autoescape=True))
        total = self.session.scalar(select(func.count()).select_from(query.subquery()))
        items = self.session.scalars(query.order_by(Member.registered_at, Member.id).offset(offset).limit(limit)).unique().all()
        return items, total


class RosterUnitOfWork:
    """What the roster's use cases see: repositories, events, commit."""

    def __init__(self, unit_of_work):
        self._unit = unit_of_work
        self.organisations = SqlOrganisations(unit_of_work.session)
        self.members = SqlMembers(unit_of_work.session)

    def add_event(self, event):
        self._unit.add_event(event)

    def commit(self):
        self._unit.commit()

    def rollback(self):
        self._unit.rollback()
