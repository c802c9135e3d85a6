"""Liveness and readiness probes, outside the versioned API and outside auth."""
from flask import current_app
from flask.views import MethodView
from marshmallow import Schema, fields

from contracts import roster
from contracts.errors import ErrorCode, ServiceError
from gateway.api import Blueprint, rpc
from gateway.errors import ErrorSchema
from gateway.logs import get_logger
from gateway.rpc import ServiceUnavailable

log = get_logger(__name__)

blp = Blueprint("health", __name__, description="Probes for the process supervisor and the load balancer")


class LivenessSchema(Schema):
    status = fields.Str(required=True, metadata={"example": "ok"})


class ReadinessSchema(Schema):
    status = fields.Str(required=True, metadata={"example": "ready"})
    checks = fields.Dict(
        keys=fields.Str(), values=fields.Str(), required=True,
        metadata={"description": "each dependency and its state: ok, down or unknown"},
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
    @blp.alt_response(503, schema=ErrorSchema, description="service_unavailable; details.checks names what is down")
    @blp.open(operation_id="getReadiness")
    def get(self):
        """Ready for traffic: the broker is reachable and roster answers ``ping`` quickly"""
        service = roster.SERVICE_NAME
        try:
            rpc().call(service, "ping", timeout=current_app.config["LIUDONG_READY_TIMEOUT"])
        except ServiceUnavailable as exc:
            if exc.cause == "broker_unreachable":
                checks = {"broker": "down", service: "unknown"}
            else:
                checks = {"broker": "ok", service: "down"}
            raise ServiceError(ErrorCode.SERVICE_UNAVAILABLE, f"not ready: {exc.message}", {"checks": checks}) from None
        except Exception:
            # A ping that fails in any other way still means roster cannot serve.
            log.exception("%s.ping failed", service)
            raise ServiceError(
                ErrorCode.SERVICE_UNAVAILABLE, f"not ready: the {service} service fails its ping",
                {"checks": {"broker": "ok", service: "down"}},
            ) from None
        return {"status": "ready", "checks": {"broker": "ok", service: "ok"}}
