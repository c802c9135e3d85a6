"""The county's figures, counted by the database (aggregates over the
subtree), never by loading members: a county of 7,000 answers in milliseconds.

A member counts on a day when they had joined by then (``joined_on``); they
are away when a reported departure of theirs had started by that day and had
not ended (no return, or a return after it).
"""
from sqlalchemy import and_, distinct, func, literal, or_, select

from services.common import tree
from services.roster.models import departures, lost_contacts, members, organisations, transfer_letters


class SqlStatistics:
    def __init__(self, session):
        self.session = session

    def _organisations(self, scope, root):
        """A clause: the organisation is in ``root``'s subtree (all when None) and in the scope."""
        clauses = [tree.in_scope(self.session, organisations, scope, organisations.c.id)]
        if root is not None:
            clauses.append(organisations.c.path.startswith(root.path, autoescape=True))
        return and_(*clauses)

    def _members(self, scope, root, day):
        return (
            select(members.c.id, members.c.organisation_id)
            .join(organisations, organisations.c.id == members.c.organisation_id)
            .where(self._organisations(scope, root), members.c.joined_on <= day)
        )

    @staticmethod
    def _away_on(day):
        return and_(
            departures.c.reported.is_(True), departures.c.departed_on <= day,
            or_(departures.c.returned_on.is_(None), departures.c.returned_on > day),
        )

    def _away(self, scope, root, day):
        """(member_id, destination_reach) of each member away on ``day``."""
        counted = self._members(scope, root, day).subquery()
        return (
            select(departures.c.member_id, departures.c.destination_reach)
            .join(counted, counted.c.id == departures.c.member_id)
            .where(self._away_on(day))
        )

    def by_organisation(self, scope, root, day):
        """(organisation id, name, kind, members, away) for each organisation with members on ``day``."""
        counted = self._members(scope, root, day).subquery()
        away = select(distinct(departures.c.member_id).label("member_id")).where(self._away_on(day)).subquery()
        query = (
            select(organisations.c.id, organisations.c.name, organisations.c.kind,
                   func.count(counted.c.id), func.count(away.c.member_id))
            .join(counted, counted.c.organisation_id == organisations.c.id)
            .outerjoin(away, away.c.member_id == counted.c.id)
            .group_by(organisations.c.id, organisations.c.name, organisations.c.kind, organisations.c.path)
            .order_by(organisations.c.path)
        )
        return self.session.execute(query).all()

    def organisations_by_kind(self, scope, root):
        query = (
            select(organisations.c.kind, func.count())
            .where(self._organisations(scope, root))
            .group_by(organisations.c.kind)
        )
        return dict(self.session.execute(query).all())

    def away_by_reach(self, scope, root, day):
        away = self._away(scope, root, day).subquery()
        query = (
            select(func.coalesce(away.c.destination_reach, literal("unclassified")), func.count(distinct(away.c.member_id)))
            .group_by(away.c.destination_reach)
        )
        return dict(self.session.execute(query).all())

    def away_count(self, scope, root, day):
        away = self._away(scope, root, day).subquery()
        return self.session.scalar(select(func.count(distinct(away.c.member_id))))

    def first_departure_year(self, scope, root, day):
        counted = self._members(scope, root, day).subquery()
        first = self.session.scalar(
            select(func.min(departures.c.departed_on))
            .join(counted, counted.c.id == departures.c.member_id)
            .where(departures.c.reported.is_(True))
        )
        return first.year if first is not None else None

    def transfers_received(self, scope, root, first, last):
        """Transfer letters received from ``first`` to ``last`` that left or reached the subtree."""
        in_subtree = select(organisations.c.id).where(self._organisations(scope, root))
        return self.session.scalar(
            select(func.count()).select_from(transfer_letters).where(
                transfer_letters.c.received_on.between(first, last),
                or_(transfer_letters.c.from_organisation_id.in_(in_subtree),
                    transfer_letters.c.to_organisation_id.in_(in_subtree)),
            )
        )

    def lost_contact_count(self, scope, root, day):
        """Members counted on ``day`` whose contact was lost then: a spell begun by
        that day and not restored by it (restored that day counts as found)."""
        counted = self._members(scope, root, day).subquery()
        return self.session.scalar(
            select(func.count(distinct(lost_contacts.c.member_id)))
            .join(counted, counted.c.id == lost_contacts.c.member_id)
            .where(lost_contacts.c.lost_since <= day,
                   or_(lost_contacts.c.restored_on.is_(None), lost_contacts.c.restored_on > day))
        )
    # ---- issue 8: pocket members (口袋党员) ----
    def pocket_members_open(self, scope, root, day):
        """Candidates open on ``day`` (found by then, not closed by then) that belong to the subtree."""
        from services.roster.models import pocket_members

        in_subtree = select(organisations.c.id).where(self._organisations(scope, root))
        return self.session.scalar(
            select(func.count()).select_from(pocket_members).where(
                pocket_members.c.organisation_id.in_(in_subtree), pocket_members.c.found_on <= day,
                or_(pocket_members.c.closed_on.is_(None), pocket_members.c.closed_on > day),
            )
        )
