"""联系记录: the contact log, one line per call (电话), text (短信), mailed study material
(邮寄学习资料), letter (书信), visit (走访) or online chat (网上交流) with a member, whichever
track recorded it (logged here, a visit completed, a help case); a call, text, mailing or
letter keeps one of the four ones (四个一) of the member's pairing.

The same member, channel and minute is one contact: logging it again (a retry without an
Idempotency-Key, an offline device syncing again) answers the contact already there, 200
with ``duplicate`` true, and writes nothing. Served by the outreach service; a member is an
id, so nothing here is a personal-data read.
"""
from functools import wraps

from flask.views import MethodView

from contracts import outreach
from contracts.errors import ErrorCode
from gateway import audit
from gateway.api import API_PREFIX, Blueprint, call

blp = Blueprint(
    "contacts", __name__, url_prefix=API_PREFIX,
    description="联系记录: the contact log (one per member, channel and minute), and a member's record of contacts",
)

UNKNOWN_ORGANISATION = (ErrorCode.UNKNOWN_REFERENCE, "organisation_id names no organisation the caller sees")
# A member's own log: member_id is the path's, not a filter.
MEMBER_CONTACT_QUERY = outreach.ContactQuerySchema(exclude=("member_id",))


def _created_unless_duplicate(function):
    """201 for a new contact, 200 for the one logged before (``duplicate``); outside the audited call, so that
    its record names the contact either way."""

    @wraps(function)
    def answer(*args, **kwargs):
        contact = function(*args, **kwargs)
        return (contact, 200) if contact.get("duplicate") else contact

    return answer


@blp.route("/contacts")
class Contacts(MethodView):
    @blp.arguments(outreach.ContactCreateSchema)
    @blp.response(201, outreach.ContactSchema)
    @blp.alt_response(200, schema=outreach.ContactSchema, description=(
        "the same member, channel and minute was logged before: the contact already there, with ``duplicate`` "
        "true; nothing was written"))
    @_created_unless_duplicate
    @blp.calls(
        outreach.SERVICE_NAME,
        (ErrorCode.UNKNOWN_REFERENCE, "member_id names no member the caller sees, or pairing_id no pairing of theirs"),
        (ErrorCode.VALIDATION_FAILED, "occurred_at is in the future"),
        idempotent=True,
    )
    @blp.requires(outreach.CONTACTS_WRITE, operation_id="logContact", audit_action="contacts.log",
                  resource_type="contact")
    def post(self, contact):
        """Log a contact with a member: when (to the minute, with its offset), on which channel, by whom, what was
        said or sent, and whether something is to follow

        201 with the new contact, announced as ``contact_logged``; 200 with the one already logged for the same
        member, channel and minute (``duplicate`` true), announced nothing. ``pairing_id`` names the pairing it
        keeps, when there is one; a call, text, mailing or letter counts for the member's four ones either way.
        """
        return call(outreach.SERVICE_NAME, "log_contact", outreach.ContactCreateSchema().dump(contact),
                    reply_schema=outreach.ContactSchema)

    @blp.arguments(outreach.ContactQuerySchema, location="query")
    @blp.response(200, outreach.ContactPageSchema)
    @blp.calls(outreach.SERVICE_NAME, UNKNOWN_ORGANISATION)
    @blp.requires(outreach.OUTREACH_READ, operation_id="listContacts")
    def get(self, query):
        """List the contacts of the caller's organisations (or of a subtree, a member, a channel, the days
        ``from`` to ``to``), latest first

        ``follow_up_needed=true``: the contacts with something still to follow.
        """
        return call(outreach.SERVICE_NAME, "list_contacts", outreach.ContactQuerySchema().dump(query),
                    reply_schema=outreach.ContactPageSchema)


@blp.route("/contacts/batch")
class ContactBatch(MethodView):
    @blp.arguments(outreach.ContactBatchSchema)
    @blp.response(200, outreach.ContactBatchResultSchema)
    @blp.calls(outreach.SERVICE_NAME, idempotent=True)
    @blp.requires(outreach.CONTACTS_WRITE, operation_id="logContacts", audit_action="contacts.log_batch",
                  resource_type="contact")
    def post(self, payload):
        """Log up to 500 contacts at once (a device that kept its log offline syncs it in one go), each item the
        body of ``logContact``

        One answer per item, in order: ``status`` 201 with the new contact, 200 with the one logged before for
        the same member, channel and minute, or the 4xx status and ``error`` its single request would have had
        (nothing of a refused item is written). The batch itself is 422 only when ``items`` is not a list of 1 to
        500 objects.
        """
        answer = call(outreach.SERVICE_NAME, "log_contacts", outreach.ContactBatchSchema().dump(payload),
                      reply_schema=outreach.ContactBatchResultSchema)
        return _audited_items(answer)


def _audited_items(answer):
    """The batch's own record names each contact it logged or found logged before, and the items it refused."""
    ids = [str(item["contact"]["id"]) for item in answer["items"] if item["status"] in (200, 201)]
    refused = {str(item["index"]): item["error"]["code"] for item in answer["items"] if item["status"] not in (200, 201)}
    audit.record("contacts.log_batch.items", outcome="succeeded", status=200, resource_type="contact",
                 resource_ids=ids, details={"refused": refused} if refused else None)
    return answer


@blp.route("/members/<uuid:member_id>/contacts")
class MemberContacts(MethodView):
    @blp.arguments(MEMBER_CONTACT_QUERY, location="query")
    @blp.response(200, outreach.ContactPageSchema)
    @blp.calls(outreach.SERVICE_NAME, UNKNOWN_ORGANISATION)
    @blp.requires(outreach.OUTREACH_READ, operation_id="listMemberContacts")
    def get(self, query, member_id):
        """A member's record of contacts, latest first: every call, text, mailing, letter, visit and chat, whichever
        track recorded it

        A member reads their own. A member the caller does not see has no contacts to list (an empty page).
        """
        return call(outreach.SERVICE_NAME, "list_contacts",
                    outreach.ContactQuerySchema().dump({**query, "member_id": member_id}),
                    reply_schema=outreach.ContactPageSchema)
