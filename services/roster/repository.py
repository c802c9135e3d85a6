"""The roster's SQLAlchemy repositories, handed to the kernel's unit of work.

Lists and exports are filtered to the caller's ``Scope`` here, in SQL, with the
same rule the scope states for one object: an organisation is visible when its
path starts with the path of a granted root; a member when their branch is, or
when they are the caller. Roster's own ``organisations`` table is the tree the
kernel's scope clauses (``services.common.tree``) run over.
"""
from sqlalchemy import func, or_, select

from services.common import tree
from services.common.tables import cipher_for
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

    def list(self, *, scope, kind=None, parent_id=None, offset=0, limit=20):
        query = select(Organisation).where(tree.in_scope(self.session, organisations, scope, organisations.c.id))
        if kind:
            query = query.where(Organisation.kind == kind)
        if parent_id:
            query = query.where(Organisation.parent_id == str(parent_id))
        total = self.session.scalar(select(func.count()).select_from(query.subquery()))
        items = self.session.scalars(query.order_by(Organisation.path).offset(offset).limit(limit)).all()
        return items, total

    def page_after(self, *, scope, after_id=None, limit=100):
        query = select(Organisation).where(tree.in_scope(self.session, organisations, scope, organisations.c.id))
        if after_id:
            query = query.where(Organisation.id > str(after_id))
        return self.session.scalars(query.order_by(Organisation.id).limit(limit)).all()

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

    def id_number_index(self, id_number):
        """The keyed hash that stands for an ID number in the index and the audit record."""
        return self._index(id_number, "id_number")

    def find_by_id_number(self, id_number):
        """Exact match through the keyed hash index: the ciphertext is never compared."""
        query = select(Member).where(members.c.id_number_index == self._index(id_number, "id_number"))
        return self.session.scalars(query).unique().one_or_none()

    def _filtered(self, *, scope, organisation=None, status=None, membership=None, gender=None, name=None):
        query = select(Member)
        if not scope.unrestricted:
            in_scope = tree.in_scope(self.session, organisations, scope, Member.organisation_id)
            if scope.member_id is not None:
                in_scope = or_(in_scope, Member.id == scope.member_id)
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

    def list(self, *, scope, offset=0, limit=20, **filters):
        query = self._filtered(scope=scope, **filters)
        total = self._count(query)
        items = self.session.scalars(query.order_by(Member.registered_at, Member.id).offset(offset).limit(limit)).unique().all()
        return items, total

    def export(self, *, scope, max_rows, **filters):
        """Every matching member, or only the count when there are more than ``max_rows``."""
        query = self._filtered(scope=scope, **filters)
        total = self._count(query)
        if total > max_rows:
            return None, total
        return self.session.scalars(query.order_by(Member.registered_at, Member.id)).unique().all(), total


REPOSITORIES = {"organisations": SqlOrganisations, "members": SqlMembers}


# ---- organisation-relationship transfer (组织关系转接) ------------------------
from sqlalchemy import and_

from services.roster.domain import transfer as transfer_rules
from services.roster.domain.transfer import TransferLetter
from services.roster.models import transfer_letters


class SqlTransfers:
    def __init__(self, session):
        self.session = session

    def add(self, letter):
        self.session.add(letter)

    def get(self, transfer_id, for_update=False):
        query = select(TransferLetter).where(TransferLetter.id == str(transfer_id))
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).one_or_none()

    def pending_for(self, member_id):
        query = select(TransferLetter).where(transfer_letters.c.pending_for_member_id == str(member_id))
        return self.session.scalars(query.with_for_update()).one_or_none()

    def overdue(self, today, limit):
        """Pending letters past their validity that no other transaction holds: several
        sweeps at once each take their own (SKIP LOCKED; SQLite serialises writers anyway)."""
        query = (select(TransferLetter)
                 .where(transfer_letters.c.state == transfer_rules.PENDING, transfer_letters.c.valid_until < today)
                 .order_by(transfer_letters.c.valid_until, transfer_letters.c.id).limit(limit)
                 .with_for_update(skip_locked=True))
        return self.session.scalars(query).all()

    def _within(self, column, scope, organisation):
        """``column`` names an organisation the caller sees (and under ``organisation``, when given)."""
        clause = column.isnot(None)
        if not scope.unrestricted:
            clause = and_(clause, tree.in_scope(self.session, organisations, scope, column))
        if organisation is not None:
            clause = and_(clause, column.in_(
                select(organisations.c.id).where(organisations.c.path.startswith(organisation.path, autoescape=True))
            ))
        return clause

    def list(self, *, scope, organisation=None, direction=None, state=None, member_id=None, today, offset=0, limit=20):
        sides = []
        if direction != "received":
            sides.append(self._within(transfer_letters.c.from_organisation_id, scope, organisation))
        if direction != "sent":
            sides.append(self._within(transfer_letters.c.to_organisation_id, scope, organisation))
        if organisation is None and scope.member_id is not None:
            sides.append(transfer_letters.c.member_id == scope.member_id)
        query = select(TransferLetter).where(or_(*sides))
        pending, valid_until = transfer_letters.c.state == transfer_rules.PENDING, transfer_letters.c.valid_until
        # The state as of today, whether or not the expiry has been recorded yet.
        if state == transfer_rules.PENDING:
            query = query.where(pending, valid_until >= today)
        elif state == transfer_rules.EXPIRED:
            query = query.where(or_(transfer_letters.c.state == transfer_rules.EXPIRED, and_(pending, valid_until < today)))
        elif state:
            query = query.where(transfer_letters.c.state == state)
        if member_id:
            query = query.where(transfer_letters.c.member_id == str(member_id))
        total = self.session.scalar(select(func.count()).select_from(query.subquery()))
        items = self.session.scalars(
            query.order_by(transfer_letters.c.issued_at.desc(), transfer_letters.c.id).offset(offset).limit(limit)
        ).all()
        return items, total


REPOSITORIES["transfers"] = SqlTransfers


# ---- county statistics (issue 8) ----
from services.roster.statistics_repository import SqlStatistics  # noqa: E402

REPOSITORIES["statistics"] = SqlStatistics

# ---- meetings: the branch roll, 留党察看 and exclusions (issue 8) -------------
from services.roster.domain.quorum import AttendanceExclusion, ExclusionWithdrawal, PartyProbation


class SqlBranchRolls:
    def __init__(self, session):
        self.session = session

    def members(self, branch_id):
        """The branch's own members (not those of branches under it)."""
        query = select(Member).where(Member.organisation_id == str(branch_id)).order_by(Member.id)
        return self.session.scalars(query).unique().all()


class _AppendOnly:
    """Records are added and read, never changed: a withdrawal is a new record."""

    model = None

    def __init__(self, session):
        self.session = session

    def add(self, record):
        self.session.add(record)

    def get(self, record_id, for_update=False):
        # A withdrawal locks its exclusion, so two at once serialise and the second sees the first.
        query = select(self.model).where(self.model.id == str(record_id))
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).one_or_none()

    def of_branch(self, branch_id):
        model = self.model
        return self.session.scalars(
            select(model).where(model.organisation_id == str(branch_id)).order_by(model.recorded_at, model.id)
        ).all()


class SqlPartyProbations(_AppendOnly):
    model = PartyProbation


class SqlAttendanceExclusions(_AppendOnly):
    model = AttendanceExclusion


class SqlExclusionWithdrawals(_AppendOnly):
    model = ExclusionWithdrawal


REPOSITORIES.update({
    "branch_rolls": SqlBranchRolls, "party_probations": SqlPartyProbations,
    "attendance_exclusions": SqlAttendanceExclusions, "exclusion_withdrawals": SqlExclusionWithdrawals,
})


# ---- issue 8: check-in at the destination (双报到), awaiting check-in, should transfer ----
from services.roster.domain.check_in import CheckIn  # noqa: E402
from services.roster.models import check_ins, departures  # noqa: E402


class SqlCheckIns:
    def __init__(self, session):
        self.session = session

    def add(self, check_in):
        self.session.add(check_in)

    def get(self, check_in_id, for_update=False):
        query = select(CheckIn).where(CheckIn.id == str(check_in_id))
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).one_or_none()

    def for_departure(self, departure_id):
        query = select(CheckIn).where(CheckIn.departure_id == str(departure_id)).order_by(CheckIn.reported_at)
        return self.session.scalars(query).first()

    def for_member(self, member_id):
        query = select(CheckIn).where(CheckIn.member_id == str(member_id)).order_by(CheckIn.reported_at, CheckIn.id)
        return self.session.scalars(query).all()

    def away_members(self, *, scope, organisation=None, departed_on_or_before, without_check_in=False,
                     offset=0, limit=20):
        """Members with an open departure that began on or before the given day, in
        the caller's scope (and ``organisation``'s subtree), longest away first."""
        query = SqlMembers(self.session)._filtered(scope=scope, organisation=organisation).join(
            departures, departures.c.open_for_member_id == Member.id,
        ).where(departures.c.departed_on <= departed_on_or_before)
        if without_check_in:
            query = query.where(~select(check_ins.c.id).where(check_ins.c.departure_id == departures.c.id).exists())
        total = self.session.scalar(select(func.count()).select_from(query.subquery()))
        items = self.session.scalars(
            query.order_by(departures.c.departed_on, Member.id).offset(offset).limit(limit)
        ).unique().all()
        return items, total


REPOSITORIES["check_ins"] = SqlCheckIns


from services.roster.domain.check_in import MobileMemberCard  # noqa: E402


class SqlMobileMemberCards:
    def __init__(self, session):
        self.session = session

    def add(self, card):
        self.session.add(card)

    def for_departure(self, departure_id):
        return self.session.scalars(select(MobileMemberCard).where(
            MobileMemberCard.departure_id == str(departure_id))).one_or_none()

    def for_member(self, member_id):
        return self.session.scalars(select(MobileMemberCard).where(MobileMemberCard.member_id == str(member_id))
                                    .order_by(MobileMemberCard.issued_at, MobileMemberCard.id)).all()


REPOSITORIES["mobile_member_cards"] = SqlMobileMemberCards


# ---- issue 8: organisation details, online branches, stations, pairings ----
from services.roster.domain.organisation import OrganisationChange, VILLAGE_ONLINE_BRANCH  # noqa: E402
from services.roster.domain.organisation_links import StationLink, TownCommunityPairing  # noqa: E402
from services.roster.models import town_community_pairings  # noqa: E402


class SqlOrganisationDetails:
    """Details and their history; the organisation row locked for a change."""

    def __init__(self, session):
        self.session = session

    def locked(self, organisation_id):
        # Two changes at once serialise, so that each gets its own revision.
        query = select(Organisation).where(Organisation.id == str(organisation_id)).with_for_update()
        return self.session.scalars(query).one_or_none()

    def online_branch_of(self, village_id):
        return self.session.scalars(select(Organisation).where(
            organisations.c.online_branch_of == str(village_id), Organisation.kind == VILLAGE_ONLINE_BRANCH)).first()

    def add_change(self, change):
        self.session.add(change)

    def changes(self, organisation_id):
        return self.session.scalars(select(OrganisationChange).where(
            OrganisationChange.organisation_id == str(organisation_id)).order_by(OrganisationChange.revision)).all()


class SqlStationLinks:
    def __init__(self, session):
        self.session = session

    def add(self, link):
        self.session.add(link)

    def get(self, link_id, for_update=False):
        query = select(StationLink).where(StationLink.id == str(link_id))
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).one_or_none()

    def active(self, station_id, branch_id):
        return self.session.scalars(select(StationLink).where(
            StationLink.station_id == str(station_id), StationLink.branch_id == str(branch_id),
            StationLink.ended_on.is_(None))).first()

    def _list(self, clause, state):
        query = select(StationLink).where(clause)
        if state == "active":
            query = query.where(StationLink.ended_on.is_(None))
        elif state == "ended":
            query = query.where(StationLink.ended_on.isnot(None))
        return self.session.scalars(query.order_by(StationLink.since, StationLink.linked_at, StationLink.id)).all()

    def of_station(self, station_id, state=None):
        return self._list(StationLink.station_id == str(station_id), state)

    def of_branch(self, branch_id, state=None):
        return self._list(StationLink.branch_id == str(branch_id), state)


class SqlPairings:
    def __init__(self, session):
        self.session = session

    def add(self, pairing):
        self.session.add(pairing)

    def get(self, pairing_id, for_update=False):
        query = select(TownCommunityPairing).where(TownCommunityPairing.id == str(pairing_id))
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).one_or_none()

    def active_for_town(self, town_id):
        return self.session.scalars(select(TownCommunityPairing).where(
            town_community_pairings.c.active_for_town_id == str(town_id))).first()

    def active_for_community(self, community_id):
        return self.session.scalars(select(TownCommunityPairing).where(
            town_community_pairings.c.active_for_community_id == str(community_id))).first()

    def list(self, *, scope, town=None, state=None, offset=0, limit=20):
        """Pairings whose town or community (on the platform) the caller sees, optionally of one town."""
        sides = [tree.in_scope(self.session, organisations, scope, town_community_pairings.c.town_id),
                 and_(town_community_pairings.c.community_organisation_id.isnot(None),
                      tree.in_scope(self.session, organisations, scope,
                                    town_community_pairings.c.community_organisation_id))]
        query = select(TownCommunityPairing).where(or_(*sides))
        if town is not None:
            query = query.where(town_community_pairings.c.town_id == town.id)
        if state == "active":
            query = query.where(town_community_pairings.c.ended_on.is_(None))
        elif state == "ended":
            query = query.where(town_community_pairings.c.ended_on.isnot(None))
        total = self.session.scalar(select(func.count()).select_from(query.subquery()))
        items = self.session.scalars(query.order_by(
            town_community_pairings.c.paired_on.desc(), town_community_pairings.c.id).offset(offset).limit(limit)).all()
        return items, total


REPOSITORIES.update({
    "organisation_details": SqlOrganisationDetails, "station_links": SqlStationLinks, "pairings": SqlPairings,
})
