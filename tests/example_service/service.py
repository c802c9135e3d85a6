"""The smallest service the kernel makes, kept as the example new services copy.

Three files: this one (its table, its event and its entrypoints), and one
migration in ``migrations/versions``. From the kernel it gets the outbox,
inbox, idempotency and organisation-tree tables, a unit of work per call,
typed events with retries and dead-lettering, scope checks against its own
projection of roster's tree, and a catch-up of that tree at start.

It welcomes members home: on ``member_returned`` it records the return and
publishes ``member_welcomed``; ``list_welcomes`` answers for an organisation
the caller sees (checked locally, never by asking roster).
"""
from marshmallow import Schema, fields
from nameko.dependency_providers import Config
from sqlalchemy import Column, Date, String, Table, select

from contracts.errors import ErrorCode, RuleViolation, ServiceError
from contracts.events import Event, register_source
from contracts.platform import ServiceSpec
from services.common import tree
from services.common.clock import Clock
from services.common.db import Database
from services.common.messaging import idempotent, reliable_event_handler
from services.common.rpc import scoped_rpc
from services.common.tables import UTCDateTime, kernel_tables, new_metadata

SERVICE_NAME = "welcome"
# How contracts.platform would declare it: it calls roster for the tree's catch-up
# (a real service is an entry of contracts.platform.SERVICES; the tests add this one).
SPEC = ServiceSpec(SERVICE_NAME, contract="contracts.roster", calls={"roster": ("organisation_tree_page",)})

metadata = new_metadata()
kernel_tables(metadata)
welcomes = Table(
    "welcomes",
    metadata,
    Column("member_id", String(36), primary_key=True),
    Column("organisation_id", String(36), nullable=False, index=True),
    Column("returned_on", Date, nullable=False),
    Column("welcomed_at", UTCDateTime(), nullable=False),
)


class MemberWelcomedV1(Schema):
    """A member who came home was welcomed by their branch."""

    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    returned_on = fields.Date(required=True)


class WelcomeEvents:
    SOURCE = SERVICE_NAME
    SCHEMAS = {("member_welcomed", 1): MemberWelcomedV1}


register_source(WelcomeEvents)


class WelcomeService(tree.FollowsOrganisationTree):
    name = SERVICE_NAME
    db = Database(metadata, migrations="tests.example_service:migrations")
    config = Config()

    @reliable_event_handler("roster", "member_returned")
    @idempotent()
    def welcome_home(self, event):
        data = event["data"]  # typed: dates are dates, ids are UUIDs
        # Its one rule sits here to keep the example to three files; a real
        # service states its rules in domain/ and calls them from usecases.py.
        clock = Clock.from_config(self.config)
        if data["returned_on"] > clock.today():
            raise RuleViolation(ErrorCode.VALIDATION_FAILED, "a return cannot be welcomed before it happens",
                                {"returned_on": ["in the future"]})
        self.db.session.execute(welcomes.insert().values(
            member_id=str(data["member_id"]), organisation_id=str(data["organisation_id"]),
            returned_on=data["returned_on"], welcomed_at=clock.now(),
        ))
        self.db.add_event(Event(source=SERVICE_NAME, event_type="member_welcomed", data={
            "member_id": data["member_id"], "organisation_id": data["organisation_id"],
            "returned_on": data["returned_on"],
        }))

    @scoped_rpc
    def list_welcomes(self, organisation_id, scope):
        organisations = self.db.table("organisation_tree")
        organisation = tree.node(self.db.session, organisations, organisation_id)
        if not scope.sees_organisation(organisation):
            raise ServiceError(ErrorCode.ORGANISATION_NOT_FOUND, f"organisation {organisation_id} not found")
        inside = select(organisations.c.id).where(tree.in_subtrees(organisations.c.path, [organisation.path]))
        rows = self.db.session.execute(
            select(welcomes).where(welcomes.c.organisation_id.in_(inside)).order_by(welcomes.c.member_id)
        ).all()
        return [{"member_id": row.member_id, "returned_on": row.returned_on.isoformat()} for row in rows]
