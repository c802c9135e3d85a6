"""组织关系转接: transfer letters (介绍信), their receipt (回执) and re-issue.

A letter is issued as a sub-resource of the member; the letters themselves are
read by either side (the sending and the receiving organisation keep the
history) and by the member they are about.
"""
from flask.views import MethodView

from contracts import roster
from contracts.errors import ErrorCode
from gateway.api import API_PREFIX, Blueprint, call

blp = Blueprint(
    "transfers", __name__, url_prefix=API_PREFIX,
    description="组织关系转接: transfer letters (介绍信), valid 30 days by default and at most 3 months, "
                "pending until the receiving organisation's receipt (回执)",
)

TRANSFER_NOT_FOUND = (ErrorCode.TRANSFER_NOT_FOUND, "also for a letter neither side of which is the caller's")


@blp.route("/members/<uuid:member_id>/transfers")
class MemberTransfers(MethodView):
    @blp.arguments(roster.TransferIssueSchema)
    @blp.response(201, roster.TransferSchema)
    @blp.calls(
        roster.SERVICE_NAME, (ErrorCode.MEMBER_NOT_FOUND, "also for a member outside the caller's organisations"),
        (ErrorCode.TRANSFER_ALREADY_PENDING, "the member has a pending letter: transfers never overlap"),
        (ErrorCode.MEMBER_TRANSFERRED_OUT, "the member was transferred out of the platform"),
        (ErrorCode.UNKNOWN_REFERENCE, "to_organisation_id names no organisation"),
        (ErrorCode.NOT_A_BRANCH, "to_organisation_id names an organisation that holds no members"),
        idempotent=True,
    )
    @blp.requires(
        roster.TRANSFERS_WRITE, operation_id="issueTransfer", audit_action="transfers.issue", resource_type="member",
    )
    def post(self, letter, member_id):
        """Issue a transfer letter (介绍信) from the member's branch

        To a branch on the platform (``to_organisation_id``, in any county) or to an organisation outside it
        (``to_name`` and ``to_place``). The member stays on the sending branch's roll until the receipt.
        """
        return call(roster.SERVICE_NAME, "issue_transfer", str(member_id), roster.TransferIssueSchema().dump(letter),
                    reply_schema=roster.TransferSchema)


@blp.route("/transfers")
class Transfers(MethodView):
    @blp.arguments(roster.TransferQuerySchema, location="query")
    @blp.response(200, roster.TransferPageSchema)
    @blp.calls(roster.SERVICE_NAME, (ErrorCode.UNKNOWN_REFERENCE, "organisation_id or member_id names nothing the caller sees"))
    @blp.requires(roster.MEMBERS_READ, operation_id="listTransfers")
    def get(self, query):
        """List transfer letters sent from or received by the caller's organisations (or ``organisation_id``'s
        subtree), newest first, filtered by direction, state (as of today) or member"""
        return call(roster.SERVICE_NAME, "list_transfers", roster.TransferQuerySchema().dump(query),
                    reply_schema=roster.TransferPageSchema)


@blp.route("/transfers/<uuid:transfer_id>")
class Transfer(MethodView):
    @blp.response(200, roster.TransferSchema)
    @blp.calls(roster.SERVICE_NAME, TRANSFER_NOT_FOUND)
    @blp.requires(roster.MEMBERS_READ, operation_id="getTransfer")
    def get(self, transfer_id):
        """Get one transfer letter; one past its validity is answered (and recorded) expired"""
        return call(roster.SERVICE_NAME, "get_transfer", str(transfer_id), reply_schema=roster.TransferSchema)


@blp.route("/transfers/<uuid:transfer_id>/receipt")
class TransferReceipt(MethodView):
    @blp.arguments(roster.TransferReceiptSchema)
    @blp.response(200, roster.TransferSchema)
    @blp.calls(
        roster.SERVICE_NAME, TRANSFER_NOT_FOUND,
        (ErrorCode.TRANSFER_EXPIRED, "the letter's validity has passed: re-issue it"),
        (ErrorCode.TRANSFER_NOT_PENDING, "the letter was received already"),
        (ErrorCode.FORBIDDEN, "only the receiving organisation records the receipt of a letter on the platform"),
        idempotent=True,
    )
    @blp.requires(
        roster.TRANSFERS_WRITE, operation_id="receiveTransfer", audit_action="transfers.receive",
        resource_type="transfer",
    )
    def post(self, receipt, transfer_id):
        """Record the receipt (回执): the member joins the receiving branch, or is transferred out

        Recorded by the receiving organisation for a letter to a branch on the platform, and by the sending
        one for a letter to an organisation outside it (the paper receipt comes back to it).
        """
        return call(roster.SERVICE_NAME, "receive_transfer", str(transfer_id), roster.TransferReceiptSchema().dump(receipt),
                    reply_schema=roster.TransferSchema)


@blp.route("/transfers/<uuid:transfer_id>/reissue")
class TransferReissue(MethodView):
    @blp.arguments(roster.TransferReissueSchema)
    @blp.response(201, roster.TransferSchema)
    @blp.calls(
        roster.SERVICE_NAME, TRANSFER_NOT_FOUND,
        (ErrorCode.TRANSFER_NOT_EXPIRED, "only an expired letter is re-issued"),
        (ErrorCode.TRANSFER_ALREADY_REISSUED, "the letter was re-issued already"),
        (ErrorCode.TRANSFER_ALREADY_PENDING, "the member has another pending letter"),
        (ErrorCode.TRANSFER_SUPERSEDED, "the member has moved to another branch since the letter was sent"),
        (ErrorCode.MEMBER_TRANSFERRED_OUT, "the member was transferred out of the platform"),
        (ErrorCode.FORBIDDEN, "only the sending organisation re-issues its letter"),
        idempotent=True,
    )
    @blp.requires(
        roster.TRANSFERS_WRITE, operation_id="reissueTransfer", audit_action="transfers.reissue",
        resource_type="transfer",
    )
    def post(self, reissue, transfer_id):
        """Re-issue an expired letter: a new letter to the same destination, referring to the old one"""
        return call(roster.SERVICE_NAME, "reissue_transfer", str(transfer_id), roster.TransferReissueSchema().dump(reissue),
                    reply_schema=roster.TransferSchema)
