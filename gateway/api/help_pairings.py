"""帮扶联系: a branch committee member (支委) paired with mobile members, one ("1+1") or
many ("1+N"), who keeps up the four ones (四个一: 一次电话, 一条短信, 一份学习资料, 一封信)
with each of them every period; and the four ones themselves, done, due or overdue.

"help-pairings", because roster's town–community pairings (城乡结对) are
``/town-community-pairings``. Served by the outreach service from its own records
and its projection of roster's members; a member is an id, so nothing here is a
personal-data read.
"""
from flask.views import MethodView

from contracts import outreach
from contracts.errors import ErrorCode
from gateway.api import API_PREFIX, Blueprint, call

blp = Blueprint(
    "help_pairings", __name__, url_prefix=API_PREFIX,
    description="帮扶联系: committee members paired with mobile members (1+1, 1+N), and the four ones (四个一) "
                "each pair keeps up every period",
)


PAIRING_NOT_FOUND = (ErrorCode.PAIRING_NOT_FOUND, "also for a pairing outside the caller's organisations")
UNKNOWN_ORGANISATION = (ErrorCode.UNKNOWN_REFERENCE, "organisation_id names no organisation the caller sees")


@blp.route("/help-pairings")
class HelpPairings(MethodView):
    @blp.arguments(outreach.HelpPairingCreateSchema)
    @blp.response(201, outreach.HelpPairingSchema)
    @blp.calls(
        outreach.SERVICE_NAME,
        (ErrorCode.UNKNOWN_REFERENCE, (
            "organisation_id names no organisation the caller sees, cadre_member_id or member_ids a member they do "
            "not see, or cadre_member_id is not of the branch")),
        idempotent=True,
    )
    @blp.requires(outreach.PAIRINGS_WRITE, operation_id="formHelpPairing", audit_action="help_pairings.form",
                  resource_type="help_pairing")
    def post(self, pairing):
        """Pair a committee member of the branch with one mobile member (1+1) or several (1+N, at most 50),
        from ``starts_on``

        The pair keeps up the four ones every ``period`` (每季度 by default): a call, a text, study material
        and a letter, each kept by a contact logged on that channel. Announced as ``pairing_formed``.
        """
        return call(outreach.SERVICE_NAME, "form_pairing", outreach.HelpPairingCreateSchema().dump(pairing),
                    reply_schema=outreach.HelpPairingSchema)

    @blp.arguments(outreach.HelpPairingQuerySchema, location="query")
    @blp.response(200, outreach.HelpPairingPageSchema)
    @blp.calls(outreach.SERVICE_NAME, UNKNOWN_ORGANISATION)
    @blp.requires(outreach.OUTREACH_READ, operation_id="listHelpPairings")
    def get(self, query):
        """List the pairings of the caller's organisations (or of a subtree, a paired member, a committee member),
        earliest first

        ``active=true``: the pairings not ended. A member sees the pairings they are in.
        """
        return call(outreach.SERVICE_NAME, "list_pairings", outreach.HelpPairingQuerySchema().dump(query),
                    reply_schema=outreach.HelpPairingPageSchema)


@blp.route("/help-pairings/<uuid:pairing_id>")
class HelpPairing(MethodView):
    @blp.response(200, outreach.HelpPairingSchema)
    @blp.calls(outreach.SERVICE_NAME, PAIRING_NOT_FOUND)
    @blp.requires(outreach.OUTREACH_READ, operation_id="getHelpPairing")
    def get(self, pairing_id):
        """Get one pairing with its members"""
        return call(outreach.SERVICE_NAME, "get_pairing", str(pairing_id), reply_schema=outreach.HelpPairingSchema)


@blp.route("/help-pairings/<uuid:pairing_id>/end")
class HelpPairingEnd(MethodView):
    @blp.arguments(outreach.HelpPairingEndSchema)
    @blp.response(200, outreach.HelpPairingSchema)
    @blp.calls(
        outreach.SERVICE_NAME, PAIRING_NOT_FOUND,
        (ErrorCode.ALREADY_ENDED, "the pairing has ended already"),
        (ErrorCode.VALIDATION_FAILED, "ended_on is before the pairing started"),
        idempotent=True,
    )
    @blp.requires(outreach.PAIRINGS_WRITE, operation_id="endHelpPairing", audit_action="help_pairings.end",
                  resource_type="help_pairing")
    def post(self, end, pairing_id):
        """End a pairing on ``ended_on``, once, with a reason; no four ones are owed after its last period

        Announced as ``pairing_ended``.
        """
        return call(outreach.SERVICE_NAME, "end_pairing", str(pairing_id), outreach.HelpPairingEndSchema().dump(end),
                    reply_schema=outreach.HelpPairingSchema)


@blp.route("/four-ones")
class FourOnes(MethodView):
    @blp.arguments(outreach.FourOnesQuerySchema, location="query")
    @blp.response(200, outreach.FourOnesPageSchema)
    @blp.calls(outreach.SERVICE_NAME, UNKNOWN_ORGANISATION)
    @blp.requires(outreach.OUTREACH_READ, operation_id="listFourOnes")
    def get(self, query):
        """The four ones (四个一) of the caller's pairs (or of a subtree, a pairing) as of ``on`` (default today):
        each paired member's call, text, study material and letter of each period (the current one and the four
        before it at most), ``done`` (with the day), ``due`` in the period still running or ``overdue`` from one
        that ended without it

        ``state=overdue``: what the committee members still owe. ``by_organisation`` counts every item listed, per
        branch, before paging.
        """
        return call(outreach.SERVICE_NAME, "four_ones", outreach.FourOnesQuerySchema().dump(query),
                    reply_schema=outreach.FourOnesPageSchema)
