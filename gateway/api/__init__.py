"""The HTTP resources, one flask-smorest Blueprint per module, and what they share."""
import logging

import flask_smorest
from flask import current_app, request
from marshmallow import EXCLUDE, ValidationError
from webargs.core import is_json
from webargs.flaskparser import FlaskParser

from contracts.errors import ErrorCode, ServiceError
from gateway.errors import ErrorSchema

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
RPC_EXTENSION = "liudong.rpc"

# For @blp.alt_response(503, **UNAVAILABLE) on every route that calls a service.
UNAVAILABLE = {"schema": ErrorSchema, "description": "service_unavailable: the broker or the service cannot answer now"}


class Parser(FlaskParser):
    # webargs drops unknown query parameters by default; the contracts' query
    # schemas RAISE on purpose, because a misspelt filter (?stauts=away) would
    # otherwise silently answer the unfiltered list.
    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": None, "querystring": None}

    def load_json(self, req, schema):
        # webargs reads a body with another content type as "no body", which
        # would surface as confusing "missing field" errors.
        if not is_json(req.mimetype) and req.get_data(cache=True):
            raise ServiceError(
                ErrorCode.MALFORMED_JSON,
                "the request body must be JSON, sent with Content-Type: application/json",
                {"content_type": req.mimetype},
            )
        return super().load_json(req, schema)


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = Parser()


def rpc():
    return current_app.extensions[RPC_EXTENSION]


def call(service, method, *args, reply_schema):
    """Call ``service.method(*args)`` and load its JSON reply with ``reply_schema``.

    Loading turns the reply back into the Python values the ``@blp.response``
    schema dumps (dates, UUIDs), and checks the service kept its contract.
    """
    reply = rpc().call(service, method, *args)
    try:
        return reply_schema().load(reply, unknown=EXCLUDE)
    except ValidationError as exc:
        log.error(
            "%s.%s answered %s %s with a reply that breaks %s: %s",
            service, method, request.method, request.path, reply_schema.__name__, exc.messages,
        )
        raise ServiceError(ErrorCode.INTERNAL_ERROR, "a service gave an answer the gateway cannot use; it has been logged") from None
