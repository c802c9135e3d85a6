"""The organisation tree every service checks a caller's scope against.

A scope is a set of subtree roots (``contracts.access.Scope``); whether an
organisation lies inside one is a question about the tree, which roster owns.
Roster answers it from its own ``organisations`` table; every other service
keeps a projection of it (``organisation_tree``, ``services.common.tables``)
from roster's ``organisation_created`` events, and answers locally:

- :class:`FollowsOrganisationTree` is a mixin for a service class: its event
  handler keeps the projection, and its :class:`OrganisationTreeCatchUp`
  dependency copies the tree from roster at start (a service that starts after
  roster already holds organisations, or that lost its projection, catches up
  by itself), paging through ``roster.organisation_tree_page`` under the
  service's own identity (each call carries a context signed with the
  service's ``CALLER_SIGNING_KEY``, issuer ``service:<name>``, a scope that
  reveals nothing; the service declares the call in ``contracts.platform``),
  retrying until roster answers.
- :func:`visible_organisation_ids` / :func:`in_scope` turn a scope into SQL
  over either table (both have ``id`` and ``path``).

Events and the catch-up may interleave in any order: a node carries its whole
path (no parent has to arrive first) and a ``revision``; a write only ever
replaces an older revision.
"""
import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timezone

import eventlet
from nameko.extensions import DependencyProvider
from nameko.standalone.rpc import ClusterRpcProxy
from sqlalchemy import false, or_, select, true, update

from contracts import caller_context
from contracts.access import unrestricted
from contracts.roster_events import ORGANISATION_CREATED
from services.common.messaging import idempotent, reliable_event_handler

log = logging.getLogger(__name__)

ROSTER = "roster"
CATCH_UP_PAGE = 500
CATCH_UP_RPC_TIMEOUT = 10.0
CATCH_UP_MAX_BACKOFF = 30.0


@dataclass(frozen=True)
class OrganisationNode:
    id: str
    parent_id: str | None
    path: str
    depth: int
    kind: str
    name: str
    revision: int


# ---- scope in SQL ------------------------------------------------------------

def granted_paths(session, tree, scope):
    """The paths of the caller's granted roots (a root that does not exist grants nothing)."""
    if not scope.organisation_ids:
        return []
    return session.scalars(select(tree.c.path).where(tree.c.id.in_(sorted(scope.organisation_ids)))).all()


def in_subtrees(path_column, paths):
    return or_(*[path_column.startswith(path, autoescape=True) for path in paths]) if paths else false()


def visible_organisation_ids(session, tree, scope):
    """A subquery of the ids of every organisation the scope sees."""
    if scope.unrestricted:
        return select(tree.c.id)
    return select(tree.c.id).where(in_subtrees(tree.c.path, granted_paths(session, tree, scope)))


def in_scope(session, tree, scope, organisation_id_column):
    """A clause: ``organisation_id_column`` names an organisation the scope sees."""
    if scope.unrestricted:
        return true()
    return organisation_id_column.in_(visible_organisation_ids(session, tree, scope))


def node(session, tree, organisation_id):
    row = session.execute(select(tree).where(tree.c.id == str(organisation_id))).first()
    return OrganisationNode(**{name: row._mapping[name] for name in OrganisationNode.__dataclass_fields__}) if row else None


def sees_organisation(session, tree, scope, organisation_id):
    """Whether ``organisation_id`` exists in the tree and lies in the scope."""
    return scope.sees_organisation(node(session, tree, organisation_id))


# ---- the projection ------------------------------------------------------------

def path_of(ids):
    return "/" + "".join(f"{organisation_id}/" for organisation_id in ids)


def project(session, tree, data):
    """Apply one ``organisation_created`` payload (typed, or as JSON) to the
    projection; an older revision than the one kept changes nothing."""
    ids = [str(organisation_id) for organisation_id in data["path"]]
    values = {
        "parent_id": str(data["parent_id"]) if data.get("parent_id") else None,
        "path": path_of(ids),
        "depth": len(ids) - 1,
        "kind": data["kind"],
        "name": data["name"],
        "revision": int(data["revision"]),
        "updated_at": datetime.now(timezone.utc),
    }
    organisation_id = str(data["organisation_id"])
    kept = session.execute(select(tree.c.revision).where(tree.c.id == organisation_id)).scalar()
    if kept is None:
        session.execute(tree.insert().values(id=organisation_id, **values))
    elif kept < values["revision"]:
        session.execute(update(tree).where(tree.c.id == organisation_id).values(**values))


class ServiceRpcProxy(ClusterRpcProxy):
    """nameko's cluster proxy with its reply queue named after the calling service,
    ``rpc.reply-<service>-<uuid>``, not ``rpc.reply-standalone_rpc_proxy-<uuid>``:
    the service's broker user may read its own reply queues only (deploy/broker.py)."""

    def __init__(self, service_name, config, **kwargs):
        super().__init__(config, **kwargs)
        self._reply_listener.container.service_name = service_name


class OrganisationTreeCatchUp(DependencyProvider):
    """Copies roster's tree into the projection when the service starts.

    Runs in a managed thread beside the handlers; until it has finished once,
    ``caught_up`` is unset (a readiness check or a test may wait on it).
    """

    def setup(self):
        self.caught_up = threading.Event()
        self.rpc_timeout = float(self.container.config.get("ORGANISATION_TREE_RPC_TIMEOUT", CATCH_UP_RPC_TIMEOUT))
        name = self.container.service_name
        self.signer = caller_context.Signer.from_text(
            caller_context.service_issuer(name), self.container.config.get(caller_context.SIGNING_KEY_SETTING),
            f"{caller_context.SIGNING_KEY_SETTING} (from {caller_context.service_key_env(name)})", self.rpc_timeout,
        )

    def start(self):
        self.container.spawn_managed_thread(self._run, identifier="organisation_tree_catch_up")

    def _database(self):
        from services.common.db import Database

        return next(d for d in self.container.dependencies if isinstance(d, Database))

    def _run(self):
        delay = 0.5
        while not self.caught_up.is_set():
            try:
                copied = self.catch_up()
            except Exception as exc:  # roster or the broker not there yet: try again later
                log.warning("organisation tree catch-up failed (%r); retrying in %.1fs", exc, delay)
                eventlet.sleep(delay)
                delay = min(delay * 2, CATCH_UP_MAX_BACKOFF)
                continue
            log.info("organisation tree caught up with roster: %d organisations", copied)
            self.caught_up.set()

    def catch_up(self):
        database = self._database()
        tree = database.metadata.tables["organisation_tree"]
        scope = unrestricted(f"service:{self.container.service_name}", reveal=())
        copied, after = 0, None
        with ServiceRpcProxy(self.container.service_name, self.container.config, timeout=self.rpc_timeout) as cluster:
            while True:
                context = self.signer.sign(ROSTER, "organisation_tree_page", [after, CATCH_UP_PAGE], scope)
                page = cluster[ROSTER].organisation_tree_page(after, CATCH_UP_PAGE, context)
                unit_of_work = database.unit_of_work()
                try:
                    for item in page["items"]:
                        project(unit_of_work.session, tree, item)
                    unit_of_work.commit()
                finally:
                    unit_of_work.close()
                copied += len(page["items"])
                if not page["more"]:
                    return copied
                after = page["items"][-1]["organisation_id"]

    def get_dependency(self, worker_ctx):
        return self


class FollowsOrganisationTree:
    """Mixin for a service class with a ``db`` (``Database``) whose metadata
    holds ``organisation_tree``: keeps the projection from roster's events and
    catches up at start."""

    organisation_tree_catch_up = OrganisationTreeCatchUp()

    @reliable_event_handler(ROSTER, ORGANISATION_CREATED)
    @idempotent()
    def project_organisation(self, event):
        project(self.db.session, self.db.table("organisation_tree"), event["data"])
