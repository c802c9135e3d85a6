"""Liveness and readiness probes, outside the versioned API and outside auth.

``/readyz`` pings every service of ``contracts.platform.SERVICES`` at once, from
a small pool of threads kept per app (each pool thread keeps its own RPC proxy,
as request threads do), and answers within ``LIUDONG_READY_TIMEOUT`` in total
(plus ``GRACE`` for the answers to arrive), however many services there are.
"""
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as wait_for_all

from flask import current_app
from flask.views import MethodView
from marshmallow import Schema, fields

from contracts import platform
from contracts.errors import ErrorCode, ServiceError
from gateway.api import Blueprint, rpc
from gateway.errors import ErrorSchema
from gateway.logs import get_logger
from gateway.rpc import ServiceUnavailable

log = get_logger(__name__)

blp = Blueprint("health", __name__, description="Probes for the process supervisor and the load balancer")

OK, DOWN, UNKNOWN = "ok", "down", "unknown"
BROKER = "broker"
# Seconds past the budget for the answers of pings that gave up at its end to arrive.
GRACE = 0.2
POOL_EXTENSION = "liudong.readiness-pool"
_pool_lock = threading.Lock()


class LivenessSchema(Schema):
    status = fields.Str(required=True, metadata={"example": "ok"})


class ReadinessSchema(Schema):
    status = fields.Str(required=True, metadata={"example": "ready"})
    checks = fields.Dict(
        keys=fields.Str(), values=fields.Str(), required=True,
        metadata={
            "description": "the broker and each service, with its state: ok, down or unknown",
            "example": {BROKER: OK, **{spec.name: OK for spec in platform.SERVICES}},
        },
    )


@blp.route("/healthz")
class Liveness(MethodView):
    @blp.response(200, LivenessSchema)
    @blp.open(operation_id="getLiveness")
    def get(self):
        """The process is up and answering (touches nothing else)"""
        return {"status": "ok"}


@blp.route("/readyz")
class Readiness(MethodView):
    @blp.response(200, ReadinessSchema)
    @blp.alt_response(503, schema=ErrorSchema, description=(
        "service_unavailable; details.checks names the broker and every service with its state (ok, down, unknown)"
    ))
    @blp.open(operation_id="getReadiness")
    def get(self):
        """Ready for traffic: the broker is reachable and every service answers ``ping`` in time"""
        checks, problems = readiness(rpc(), [spec.name for spec in platform.SERVICES],
                                     current_app.config["LIUDONG_READY_TIMEOUT"], _pool())
        if problems:
            raise ServiceError(ErrorCode.SERVICE_UNAVAILABLE, "not ready: " + "; ".join(problems), {"checks": checks})
        return {"status": "ready", "checks": checks}


def readiness(client, services, budget, pool):
    """Ping ``services`` at once through ``client``; answers (checks, problems).

    ``checks`` maps the broker and each service to ok, down or unknown;
    ``problems`` says in words what is not ok (empty when ready).
    """
    deadline = time.monotonic() + budget
    futures = {name: pool.submit(_ping, client, name, deadline) for name in services}
    wait_for_all(futures.values(), timeout=max(deadline - time.monotonic(), 0) + GRACE)
    results = {name: future.result() if future.done() else None for name, future in futures.items()}

    outcomes = [result for result in results.values() if result is not None]
    if any(state == UNKNOWN for state, _ in outcomes):
        broker = DOWN  # a ping found the broker unreachable
    elif outcomes:
        broker = OK  # every ping that finished went through the broker
    else:
        broker = UNKNOWN
    checks, problems = {BROKER: broker}, []
    if broker == DOWN:
        problems.append("the message broker is unreachable")
    for name, result in results.items():
        if result is None:
            # Still waiting: the broker carried the others' pings, so this one is down.
            checks[name] = DOWN if broker == OK else UNKNOWN
            problems.append(f"the {name} service did not answer within {budget:g} s")
        else:
            checks[name], problem = result
            if problem and checks[name] == DOWN:
                problems.append(problem)
    return checks, problems


def _ping(client, service, deadline):
    """(state, problem) of one service: ok, down, or unknown when the broker is unreachable."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        return None  # waited for a free thread past the budget: not asked
    try:
        client.call(service, "ping", timeout=remaining)
    except ServiceUnavailable as exc:
        if exc.cause == "broker_unreachable":
            return UNKNOWN, exc.message
        return DOWN, exc.message
    except Exception:  # noqa: BLE001 - a ping that fails in any other way still means the service cannot serve
        log.exception("%s.ping failed", service)
        return DOWN, f"the {service} service fails its ping"
    return OK, None


def _pool():
    """The app's ping threads: one per service, kept, so their RPC proxies are reused."""
    app = current_app._get_current_object()
    pool = app.extensions.get(POOL_EXTENSION)
    if pool is None:
        with _pool_lock:
            pool = app.extensions.get(POOL_EXTENSION)
            if pool is None:
                pool = ThreadPoolExecutor(max_workers=max(len(platform.SERVICES), 1), thread_name_prefix="readyz")
                app.extensions[POOL_EXTENSION] = pool
    return pool
