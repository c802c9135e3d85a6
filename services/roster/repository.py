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
from services.roster.models import departures, member_field_changes, members, organisations


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

    def _filtered(self, *, scope, organisation=None, status=None, membership=None, gender=None, name=None,
                  destination_province=None, destination_reach=None, departed_from=None, departed_to=None):
        query = select(Member)
        whereabouts = [clause for value, clause in (
            (destination_province, lambda: departures.c.destination_province == destination_province),
            (destination_reach, lambda: departures.c.destination_reach == destination_reach),
            (departed_from, lambda: departures.c.departed_on >= departed_from),
            (departed_to, lambda: departures.c.departed_on <= departed_to),
        ) if value]
        if whereabouts:
            # Where a member is now: their open departure.
            query = query.where(Member.id.in_(
                select(departures.c.open_for_member_id).where(*[clause() for clause in whereabouts])))
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

    def transferred_out_of(self, branch_id):
        """{member id: the day their letter out of the platform was received}, for the branch's letters."""
        query = select(transfer_letters.c.member_id, transfer_letters.c.received_on).where(
            transfer_letters.c.from_organisation_id == str(branch_id), transfer_letters.c.to_organisation_id.is_(None),
            transfer_letters.c.state == transfer_rules.RECEIVED)
        return dict(self.session.execute(query).all())

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

    def full_member_on(self, member_ids):
        """{member id: the day they became full members (转正)}, for those who did while on the roll."""
        if not member_ids:
            return {}
        query = select(member_field_changes.c.member_id, member_field_changes.c.effective_on).where(
            member_field_changes.c.field == "membership", member_field_changes.c.member_id.in_(list(member_ids)))
        return dict(self.session.execute(query).all())


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
        ).where(departures.c.departed_on <= departed_on_or_before, ~select(transfer_letters.c.id).where(
            # Transferred since leaving: managed where they are, on neither list (domain.status).
            transfer_letters.c.member_id == Member.id, transfer_letters.c.state == transfer_rules.RECEIVED,
            transfer_letters.c.received_on >= departures.c.departed_on).exists())
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


# ---- issue 8: lost contact (失联), suspension and removal ----
from services.roster.domain.lost_contact import LostContact, MembershipDecision  # noqa: E402


class SqlLostContacts:
    def __init__(self, session):
        self.session = session

    def add(self, spell):
        self.session.add(spell)

    def open_for(self, member_id, for_update=False):
        query = select(LostContact).where(LostContact.open_for_member_id == str(member_id))
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).one_or_none()

    def for_member(self, member_id):
        return self.session.scalars(select(LostContact).where(LostContact.member_id == str(member_id))
                                    .order_by(LostContact.reported_at, LostContact.id)).all()

    def open_spells(self, *, scope, organisation=None, offset=0, limit=20):
        """Open spells of members in the caller's scope (and ``organisation``'s
        subtree), lost longest first, with their members."""
        query = SqlMembers(self.session)._filtered(scope=scope, organisation=organisation).add_columns(
            LostContact).join(LostContact, LostContact.open_for_member_id == Member.id)
        total = self.session.scalar(select(func.count()).select_from(query.subquery()))
        rows = self.session.execute(
            query.order_by(LostContact.lost_since, Member.id).offset(offset).limit(limit)).unique().all()
        return [(row[0], row[1]) for row in rows], total


class SqlMembershipDecisions:
    def __init__(self, session):
        self.session = session

    def add(self, decision):
        self.session.add(decision)

    def for_member(self, member_id, for_update=False):
        query = (select(MembershipDecision).where(MembershipDecision.member_id == str(member_id))
                 .order_by(MembershipDecision.decided_at, MembershipDecision.id))
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).all()

    def of_members(self, member_ids):
        return [decision for decisions in self.for_members(member_ids).values() for decision in decisions]

    def for_members(self, member_ids):
        """{member id: their decisions}, in one query."""
        found = {}
        if member_ids:
            query = (select(MembershipDecision).where(MembershipDecision.member_id.in_([str(i) for i in member_ids]))
                     .order_by(MembershipDecision.decided_at, MembershipDecision.id))
            for decision in self.session.scalars(query):
                found.setdefault(decision.member_id, []).append(decision)
        return found


REPOSITORIES.update({"lost_contacts": SqlLostContacts, "membership_decisions": SqlMembershipDecisions})

# ---- issue 8: member field changes and the member timeline ----
# Every record of one member, table by table, oldest first: the sources of
# services.roster.timeline read these.
from services.roster.domain.member import Departure  # noqa: E402
from services.roster.domain.member_changes import MemberFieldChange  # noqa: E402


class SqlMemberHistory:
    def __init__(self, session):
        self.session = session

    def add_field_change(self, change):
        self.session.add(change)

    def _of(self, model, member_id, *order):
        return self.session.scalars(select(model).where(model.member_id == str(member_id)).order_by(*order, model.id)).all()

    def field_changes(self, member_id):
        return self._of(MemberFieldChange, member_id, MemberFieldChange.changed_at)

    def departures(self, member_id):
        return self._of(Departure, member_id, Departure.reported_at)

    def check_ins(self, member_id):
        return self._of(CheckIn, member_id, CheckIn.reported_at)

    def mobile_member_cards(self, member_id):
        return self._of(MobileMemberCard, member_id, MobileMemberCard.issued_at)

    def transfer_letters(self, member_id):
        return self._of(TransferLetter, member_id, TransferLetter.issued_at)

    def party_probations(self, member_id):
        return self._of(PartyProbation, member_id, PartyProbation.recorded_at)

    def attendance_exclusions(self, member_id):
        return self._of(AttendanceExclusion, member_id, AttendanceExclusion.recorded_at)

    def exclusion_withdrawals(self, member_id):
        return self._of(ExclusionWithdrawal, member_id, ExclusionWithdrawal.recorded_at)

    def lost_contacts(self, member_id):
        return self._of(LostContact, member_id, LostContact.reported_at)

    def membership_decisions(self, member_id):
        return self._of(MembershipDecision, member_id, MembershipDecision.decided_at)

    def status_changes(self, member_id):
        return self._of(MemberStatusChange, member_id, MemberStatusChange.changed_at)


REPOSITORIES["member_history"] = SqlMemberHistory

# ---- issue 8: computed member status, its history and the clock's sweep ----
from services.roster.domain import check_in as check_in_rules  # noqa: E402
from services.roster.domain import status as status_rules  # noqa: E402
from services.roster.domain.status import MemberStatusChange  # noqa: E402
from services.roster.models import member_status_changes  # noqa: E402


class SqlMemberStatuses:
    """The status history (append-only) and the questions the status code asks of the roster."""

    def __init__(self, session):
        self.session = session

    def add(self, change):
        self.session.add(change)

    def for_member(self, member_id):
        query = (select(MemberStatusChange).where(MemberStatusChange.member_id == str(member_id))
                 .order_by(member_status_changes.c.changed_at, member_status_changes.c.id))
        return self.session.scalars(query).all()

    def transferred_out(self, member_id):
        """A letter to an organisation outside the platform was received for the member."""
        return self.session.scalar(select(select(transfer_letters.c.id).where(
            transfer_letters.c.member_id == str(member_id), transfer_letters.c.state == transfer_rules.RECEIVED,
            transfer_letters.c.to_organisation_id.is_(None)).exists()))

    def transferred_since(self, member_id, day):
        """A letter for the member was received on or after ``day``."""
        return self.session.scalar(select(select(transfer_letters.c.id).where(
            transfer_letters.c.member_id == str(member_id), transfer_letters.c.state == transfer_rules.RECEIVED,
            transfer_letters.c.received_on >= day).exists()))

    def due_by_clock(self, today, due_days, limit):
        """Members whose status the clock alone changes today: cached as away or awaiting check-in, with an
        open departure past six months, or (away, without a check-in) past the check-in due day. Only rows
        no other transaction holds (SKIP LOCKED), locked until commit, so two sweeps never take one member."""
        departed_on, no_check_in = departures.c.departed_on, ~select(check_ins.c.id).where(
            check_ins.c.departure_id == departures.c.id).exists()
        # A member whose relationship moved since leaving stays away: the clock changes nothing for them.
        transferred_since = select(transfer_letters.c.id).where(
            transfer_letters.c.member_id == Member.id, transfer_letters.c.state == transfer_rules.RECEIVED,
            transfer_letters.c.received_on >= departed_on).exists()
        query = (
            select(Member)
            .join(departures, departures.c.open_for_member_id == Member.id)
            .where(~transferred_since, or_(
                and_(Member.status.in_(status_rules.CLOCK_DRIVEN),
                     departed_on <= check_in_rules.latest_departure_to_transfer(today)),
                and_(Member.status == status_rules.AWAY, no_check_in,
                     departed_on <= check_in_rules.latest_departure_awaiting(today, due_days)),
            ))
            .order_by(departed_on, Member.id).limit(limit)
            .with_for_update(of=members, skip_locked=True)
        )
        return self.session.scalars(query).unique().all()


REPOSITORIES["member_statuses"] = SqlMemberStatuses
# ---- issue 8: pocket members (口袋党员) ----
from services.roster.domain.pocket_member import PocketMember, PocketMemberPlacement  # noqa: E402
from services.roster.models import pocket_members  # noqa: E402


class SqlPocketMembers:
    def __init__(self, session):
        self.session = session

    def add(self, candidate):
        self.session.add(candidate)

    def get(self, pocket_member_id, for_update=False):
        query = select(PocketMember).where(PocketMember.id == str(pocket_member_id))
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).one_or_none()

    def open_for_member(self, member_id):
        query = select(PocketMember).where(pocket_members.c.open_for_member_id == str(member_id))
        return self.session.scalars(query.with_for_update()).one_or_none()

    def find_by_id_number(self, id_number):
        """Through the keyed hash index, as for members: the ciphertext is never compared."""
        index = cipher_for(self.session.get_bind()).index(id_number, "id_number")
        query = select(PocketMember).where(pocket_members.c.id_number_index == index)
        return self.session.scalars(query.with_for_update()).one_or_none()

    def list(self, *, scope, organisation=None, source=None, state=None, offset=0, limit=20):
        query = select(PocketMember)
        if not scope.unrestricted:
            query = query.where(tree.in_scope(self.session, organisations, scope, pocket_members.c.organisation_id))
        if organisation is not None:
            query = query.where(pocket_members.c.organisation_id.in_(
                select(organisations.c.id).where(organisations.c.path.startswith(organisation.path, autoescape=True))
            ))
        if source:
            query = query.where(pocket_members.c.source == source)
        if state:
            query = query.where(pocket_members.c.state == state)
        total = self.session.scalar(select(func.count()).select_from(query.subquery()))
        items = self.session.scalars(
            query.order_by(pocket_members.c.found_at.desc(), pocket_members.c.id).offset(offset).limit(limit)
        ).all()
        return items, total


class SqlPocketMemberPlacements:
    """Append-only: placements are added and read, never changed."""

    def __init__(self, session):
        self.session = session

    def add(self, placement):
        self.session.add(placement)

    def for_pocket_member(self, pocket_member_id):
        return self.session.scalars(select(PocketMemberPlacement).where(
            PocketMemberPlacement.pocket_member_id == str(pocket_member_id))).one_or_none()


REPOSITORIES["pocket_members"] = SqlPocketMembers
REPOSITORIES["pocket_member_placements"] = SqlPocketMemberPlacements
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
