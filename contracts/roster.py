"""The roster service's RPC interface: payload and result schemas.

The gateway validates HTTP bodies with these same schemas, and roster validates
again on arrival, because county systems may call it over RPC directly.
"""
from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate, validates_schema

from contracts import id_number as id_numbers
from contracts.text import Text

SERVICE_NAME = "roster"

# ---- permissions: what a caller may ask of roster, and which roles hold them -----
# The gateway's policy (gateway.access.policy) is the union of every service's
# ROLE_PERMISSIONS (found through contracts.platform.SERVICES) and its own.
ORGANISATIONS_READ = "organisations:read"
ORGANISATIONS_WRITE = "organisations:write"
MEMBERS_READ = "members:read"
MEMBERS_WRITE = "members:write"
MOVEMENTS_WRITE = "movements:write"        # departure reports and returns
MEMBERS_EXPORT = "members:export"
PERSONAL_DATA_READ = "personal_data:read"  # every personal field in full
PHONE_READ = "phone:read"                  # how to reach the member in full; ID number and birth date masked

PERMISSIONS = (
    ORGANISATIONS_READ, ORGANISATIONS_WRITE, MEMBERS_READ, MEMBERS_WRITE, MOVEMENTS_WRITE,
    MEMBERS_EXPORT, PERSONAL_DATA_READ, PHONE_READ,
)

# The personal fields (contracts.access.PERSONAL_FIELDS) each permission shows in full.
REVEALS = {
    PERSONAL_DATA_READ: ("id_number", "birth_date", "phone", "contact", "destination_address"),
    PHONE_READ: ("phone", "contact", "destination_address"),
}

# Roles are the platform's (named in gateway.access.policy); a role missing here holds nothing of roster's.
ROLE_PERMISSIONS = {
    "county_admin": frozenset({
        ORGANISATIONS_READ, ORGANISATIONS_WRITE, MEMBERS_READ, MEMBERS_WRITE, MOVEMENTS_WRITE,
        MEMBERS_EXPORT, PERSONAL_DATA_READ,
    }),
    # Reviews (审阅) the town's branches: reads all, records nothing for them.
    "town_admin": frozenset({ORGANISATIONS_READ, ORGANISATIONS_WRITE, MEMBERS_READ, MEMBERS_EXPORT, PHONE_READ}),
    "branch_secretary": frozenset({ORGANISATIONS_READ, MEMBERS_READ, MEMBERS_WRITE, MOVEMENTS_WRITE, PERSONAL_DATA_READ}),
    "liaison": frozenset({ORGANISATIONS_READ, MEMBERS_READ, MOVEMENTS_WRITE, PHONE_READ}),
    # Grants are placed on organisations: the officer needs to see the tree.
    "security_officer": frozenset({ORGANISATIONS_READ}),
    # The most a county system's key may be given; the key's own scopes decide.
    "system_integration": frozenset(PERMISSIONS),
    # Only ever over the member's own record (scope member_id, no organisations).
    "member": frozenset({MEMBERS_READ, MOVEMENTS_WRITE, PERSONAL_DATA_READ}),
}

# 组织类型: the node types of the organisation tree, with the county's own words.
ORGANISATION_KINDS = {
    "party_committee": "党委",
    "general_branch": "党总支",
    "branch": "党支部",
    "destination_mobile_branch": "异地流动党员党支部",
    "urban_mobile_branch": "城区流动党员党支部",
    "village_online_branch": "网络党支部",
    "service_station": "流动党员管理服务站",
    "service_point": "流动党员服务点",
    "red_station": "红色驿站",
}
GENDERS = {"male": "男", "female": "女"}
MEMBERSHIPS = {"full": "正式党员", "probationary": "预备党员"}
# 状态: computed, never typed (services.roster.domain.status, where the precedence is), in that module's
# order from lowest to highest precedence. transferred_out: the letter of a transfer to an organisation
# outside the platform was received; the member stays listed by the branch that sent it.
MEMBER_STATUSES = {
    "normal": "正常", "away": "外出", "awaiting_check_in": "待报到", "should_transfer": "应转接",
    "transfer_pending": "转接中", "lost_contact": "失联", "suspended": "停止党籍", "removed": "除名",
    "transferred_out": "已转出",
}

MAX_PER_PAGE = 100
MAX_PAGE = 100_000


def _trimmed(max_length):
    return validate.Length(min=1, max=max_length)


class StrictSchema(Schema):
    """Input: an unknown field is an error, not silently dropped."""

    class Meta:
        unknown = RAISE


class ResultSchema(Schema):
    """Output: a client built against an older contract ignores fields added since."""

    class Meta:
        unknown = EXCLUDE


# ---- organisations -------------------------------------------------------

class OrganisationCreateSchema(StrictSchema):
    name = Text(required=True, validate=_trimmed(200))
    kind = fields.Str(required=True, validate=validate.OneOf(list(ORGANISATION_KINDS)))
    parent_id = fields.UUID(allow_none=True, load_default=None)
    # Where the node is, for destination branches and stations (e.g. 瓜州县).
    location = Text(allow_none=True, load_default=None, validate=validate.Length(max=200))
    # issue 8: the details of its kind (HostSchema, BudgetSchema, OfficerSchema below); each may be left out.
    host = fields.Nested(lambda: HostSchema(), allow_none=True)
    budget = fields.Nested(lambda: BudgetSchema(), allow_none=True)
    secretary = fields.Nested(lambda: OfficerSchema(), allow_none=True)
    deputy_secretary = fields.Nested(lambda: OfficerSchema(), allow_none=True)
    liaison = fields.Nested(lambda: OfficerSchema(), allow_none=True)
    activity_day = fields.Int(allow_none=True, metadata={
        "description": "固定活动日: day of the month, 1 to 28 (branches only); urban mobile branches: 6, the default"})


class OrganisationSchema(ResultSchema):
    id = fields.UUID(required=True)
    name = fields.Str(required=True)
    kind = fields.Str(required=True)
    kind_label = fields.Str(required=True, metadata={"description": "组织类型 as the county writes it"})
    parent_id = fields.UUID(allow_none=True)
    location = fields.Str(allow_none=True)
    depth = fields.Int(required=True)
    created_at = fields.AwareDateTime(required=True)
    # issue 8: the details of its kind (null where not set or not for the kind), and its revision.
    host = fields.Nested(lambda: HostSchema(), allow_none=True)
    budget = fields.Nested(lambda: BudgetSchema(), allow_none=True)
    secretary = fields.Nested(lambda: OfficerSchema(), allow_none=True)
    deputy_secretary = fields.Nested(lambda: OfficerSchema(), allow_none=True)
    liaison = fields.Nested(lambda: OfficerSchema(), allow_none=True)
    activity_day = fields.Int(allow_none=True)
    revision = fields.Int(metadata={"description": "1 at creation, one more at each change of its details"})


class OrganisationTreeSchema(OrganisationSchema):
    children = fields.List(fields.Nested(lambda: OrganisationTreeSchema()), required=True)


class PageQuerySchema(StrictSchema):
    # Bounded so that the offset always fits the database's integers.
    page = fields.Int(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = fields.Int(load_default=20, validate=validate.Range(min=1, max=MAX_PER_PAGE))


class OrganisationQuerySchema(PageQuerySchema):
    kind = fields.Str(validate=validate.OneOf(list(ORGANISATION_KINDS)))
    parent_id = fields.UUID()


class PageSchema(ResultSchema):
    """One page of a list: subclasses say what the items are."""

    page = fields.Int(required=True)
    per_page = fields.Int(required=True)
    total = fields.Int(required=True, metadata={"description": "items on all pages"})


class OrganisationPageSchema(PageSchema):
    items = fields.List(fields.Nested(OrganisationSchema), required=True)


# ---- members -------------------------------------------------------------

ID_NUMBER_PATTERN = id_numbers.PATTERN  # 18-character resident identity number
PHONE_PATTERN = r"^1\d{10}$"           # mainland mobile number


def _valid_id_number(value):
    """The check character and the birth date inside (the pattern is checked beside this)."""
    reason = id_numbers.problem(value)
    if reason is not None and reason != id_numbers.NOT_AN_ID_NUMBER:
        raise ValidationError(reason)


def _id_number_field():
    return fields.Str(
        required=True,
        validate=[validate.Regexp(ID_NUMBER_PATTERN, error=id_numbers.NOT_AN_ID_NUMBER), _valid_id_number],
        metadata={"description": "公民身份号码 (GB 11643-1999): 17 digits, the birth date as characters 7 to 14, "
                                 "then the ISO 7064 MOD 11-2 check character (a digit or X); a wrong check "
                                 "character or birth date is a 422",
                  # Valid, and born on birth_date's example: what a fuzzer's example phase sends.
                  "example": "62072419780409138X"},
    )


class MemberCreateSchema(StrictSchema):
    name = Text(required=True, validate=_trimmed(100))
    gender = fields.Str(required=True, validate=validate.OneOf(list(GENDERS)))
    birth_date = fields.Date(required=True, metadata={"description": "must be the date inside id_number",
                                                      "example": "1978-04-09"})
    id_number = _id_number_field()
    phone = fields.Str(required=True, validate=validate.Regexp(PHONE_PATTERN, error="must be an 11-digit mobile number"))
    joined_on = fields.Date(required=True, metadata={"description": "入党时间"})
    membership = fields.Str(load_default="full", validate=validate.OneOf(list(MEMBERSHIPS)))
    organisation_id = fields.UUID(required=True, metadata={"description": "the home branch (所在党支部)"})

    @validates_schema
    def _dates_in_order(self, data, **kwargs):
        if data.get("birth_date") and data.get("joined_on") and data["joined_on"] <= data["birth_date"]:
            raise ValidationError("must be after birth_date", "joined_on")

    @validates_schema
    def _birth_date_in_id_number(self, data, **kwargs):
        if not data.get("birth_date") or not data.get("id_number"):
            return
        inside = id_numbers.birth_date_of(data["id_number"])
        if inside is not None and inside != data["birth_date"]:
            raise ValidationError({
                "birth_date": ["does not match the birth date inside id_number"],
                "id_number": ["its birth date (characters 7 to 14) does not match birth_date"],
            })


MASKED_TEXT = ("personal data: unless the caller may see it in full, only the first and last characters "
               "show, with * between (a phone number as 139****1234)")


class DepartureSchema(ResultSchema):
    id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    reported = fields.Bool(required=True, metadata={"description": "False for a return never reported as a departure (外出未报备)"})
    departed_on = fields.Date(allow_none=True)
    destination_province = fields.Str(allow_none=True)
    destination_city = fields.Str(allow_none=True)
    destination_address = fields.Str(allow_none=True, metadata={"description": MASKED_TEXT})
    work = fields.Str(allow_none=True)
    expected_return_on = fields.Date(allow_none=True)
    contact = fields.Str(allow_none=True, metadata={"description": MASKED_TEXT})
    returned_on = fields.Date(allow_none=True)
    reported_at = fields.AwareDateTime(required=True)
    returned_reported_at = fields.AwareDateTime(allow_none=True)
    destination_reach = fields.Str(allow_none=True, metadata={
        "description": "where the destination lies from the home county: in_county (县内), in_province (省内) or "
                       "out_of_province (省外); null for a return never reported as a departure"})
    destination_code = fields.Str(allow_none=True, metadata={
        "description": "GB/T 2260 code of the most specific place recognised in the destination"})


class MemberSchema(ResultSchema):
    id = fields.UUID(required=True)
    name = fields.Str(required=True)
    gender = fields.Str(required=True)
    birth_date = fields.Date(
        required=True, allow_none=True,
        metadata={"description": "personal data: null unless the caller may see it in full; birth_year is always there"},
    )
    birth_year = fields.Int(required=True, metadata={"description": "the year of birth_date, shown to every reader"})
    id_number = fields.Str(
        required=True,
        metadata={"description": "personal data: unless the caller may see it in full, only the last four "
                                 "characters show (**************123X)"},
    )
    phone = fields.Str(required=True, metadata={"description": "personal data: masked as 139****1234 unless shown in full"})
    joined_on = fields.Date(required=True)
    membership = fields.Str(required=True)
    organisation_id = fields.UUID(required=True)
    status = fields.Str(required=True, metadata={"description": "computed from the history and the clock, never typed: "
                                                                + ", ".join(f"{key} ({label})" for key, label in MEMBER_STATUSES.items())})
    current_departure = fields.Nested(DepartureSchema, allow_none=True)
    registered_at = fields.AwareDateTime(required=True)


class WhereaboutsFilterSchema(StrictSchema):
    """Filters on where members are: their open departure's destination and when it began."""

    destination_province = Text(validate=_trimmed(50), metadata={
        "description": "members away in this province (as reported, e.g. 甘肃省)"})
    destination_reach = fields.Str(validate=validate.OneOf(["in_county", "in_province", "out_of_province"]),
                                   metadata={"description": "members away within the county, the province, or outside it"})
    departed_from = fields.Date(metadata={"description": "members whose current departure began on or after this day"})
    departed_to = fields.Date(metadata={"description": "members whose current departure began on or before this day"})

    @validates_schema
    def _range(self, data, **kwargs):
        if data.get("departed_from") and data.get("departed_to") and data["departed_from"] > data["departed_to"]:
            raise ValidationError({"departed_to": ["must not be before departed_from"]})


class MemberQuerySchema(PageQuerySchema, WhereaboutsFilterSchema):
    organisation_id = fields.UUID(metadata={"description": "members of this organisation and every organisation under it"})
    status = fields.Str(validate=validate.OneOf(list(MEMBER_STATUSES)))
    membership = fields.Str(validate=validate.OneOf(list(MEMBERSHIPS)))
    gender = fields.Str(validate=validate.OneOf(list(GENDERS)))
    name = Text(validate=validate.Length(min=1, max=100), metadata={"description": "part of the name"})


class MemberPageSchema(PageSchema):
    items = fields.List(fields.Nested(MemberSchema), required=True)


class DepartureReportSchema(StrictSchema):
    """外出报备: where to, what work, how long, how to reach the member."""

    departed_on = fields.Date(load_default=None, metadata={"description": "defaults to today"})
    destination_province = Text(required=True, validate=_trimmed(50))
    destination_city = Text(required=True, validate=_trimmed(50))
    destination_address = Text(load_default=None, allow_none=True, validate=validate.Length(max=200),
                               metadata={"description": "personal data, masked unless shown in full"})
    work = Text(required=True, validate=_trimmed(200))
    expected_return_on = fields.Date(load_default=None, allow_none=True)
    contact = Text(required=True, validate=_trimmed(100), metadata={"description": "phone or WeChat while away"})

    @validates_schema
    def _return_after_departure(self, data, **kwargs):
        if data.get("departed_on") and data.get("expected_return_on") and data["expected_return_on"] < data["departed_on"]:
            raise ValidationError("must not be before departed_on", "expected_return_on")


class ReturnReportSchema(StrictSchema):
    returned_on = fields.Date(load_default=None, metadata={"description": "defaults to today"})


# ---- looking up and exporting members -----------------------------------

MAX_EXPORT_ROWS = 10_000


class MemberLookupSchema(StrictSchema):
    """Find a member by ID number (sent in a body, so it never lands in a URL or an access log)."""

    id_number = _id_number_field()


class MemberExportQuerySchema(WhereaboutsFilterSchema):
    organisation_id = fields.UUID(metadata={"description": "members of this organisation and every organisation under it"})
    status = fields.Str(validate=validate.OneOf(list(MEMBER_STATUSES)))
    membership = fields.Str(validate=validate.OneOf(list(MEMBERSHIPS)))
    gender = fields.Str(validate=validate.OneOf(list(GENDERS)))


class MemberExportSchema(ResultSchema):
    """Every matching member, at most MAX_EXPORT_ROWS (more is ``export_too_large``)."""

    items = fields.List(fields.Nested(MemberSchema), required=True)
    total = fields.Int(required=True)


# ---- organisation-relationship transfer (组织关系转接) ------------------------
# Issuing a transfer letter (介绍信), recording its receipt (回执) and re-issuing an expired one.
# County administrators (the organisation department) and branch secretaries (the branch that
# sends or receives the member) do it; a town administrator reviews and records nothing, as for
# the other writes; liaisons report movements, not transfers. Reading letters is members:read.
TRANSFERS_WRITE = "transfers:write"
PERMISSIONS = (*PERMISSIONS, TRANSFERS_WRITE)
ROLE_PERMISSIONS = {
    **ROLE_PERMISSIONS,
    "county_admin": ROLE_PERMISSIONS["county_admin"] | {TRANSFERS_WRITE},
    "branch_secretary": ROLE_PERMISSIONS["branch_secretary"] | {TRANSFERS_WRITE},
    "system_integration": frozenset(PERMISSIONS),
}

TRANSFER_STATES = {"pending": "待回执", "received": "已回执", "expired": "已过期"}
TRANSFER_DIRECTIONS = ("sent", "received")
DUES_MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"

_VALID_UNTIL = ("有效期至: the last day the letter may be received (inclusive). Defaults to 30 days after the "
                "issue date (today, the county's calendar); at most 3 calendar months after it (the same day "
                "of the month, or that month's last day when it is shorter); later is a 422 naming valid_until")
_DUES = "党费交至: the month up to which the member's Party dues are paid, YYYY-MM"


class TransferIssueSchema(StrictSchema):
    """介绍信: where the member goes: ``to_organisation_id`` (a branch on the platform), or an organisation
    outside it by ``to_name`` and ``to_place``."""

    to_organisation_id = fields.UUID(load_default=None, allow_none=True,
                                     metadata={"description": "a branch on the platform, in any county"})
    to_name = Text(load_default=None, allow_none=True, validate=validate.Length(min=1, max=200),
                   metadata={"description": "an organisation outside the platform: its name (with to_place)"})
    to_place = Text(load_default=None, allow_none=True, validate=validate.Length(min=1, max=200),
                    metadata={"description": "where the organisation outside the platform is (e.g. 新疆昌吉市)"})
    valid_until = fields.Date(load_default=None, allow_none=True, metadata={"description": _VALID_UNTIL})
    dues_paid_until = fields.Str(required=True, validate=validate.Regexp(DUES_MONTH_PATTERN, error="a month as YYYY-MM"),
                                 metadata={"description": _DUES, "example": "2026-11"})

    @validates_schema
    def _one_destination(self, data, **kwargs):
        on_platform = data.get("to_organisation_id") is not None
        outside = data.get("to_name") is not None or data.get("to_place") is not None
        if on_platform and outside:
            raise ValidationError({"to_organisation_id": ["give either to_organisation_id or to_name and to_place"]})
        if not on_platform and not outside:
            raise ValidationError({"to_organisation_id": [
                "required, unless to_name and to_place name an organisation outside the platform"]})
        if outside:
            missing = {name: ["required with an organisation outside the platform"]
                       for name in ("to_name", "to_place") if data.get(name) is None}
            if missing:
                raise ValidationError(missing)


class TransferReissueSchema(StrictSchema):
    """A new letter to the same destination, referring to the expired one."""

    valid_until = fields.Date(load_default=None, allow_none=True, metadata={"description": _VALID_UNTIL})
    dues_paid_until = fields.Str(load_default=None, allow_none=True,
                                 validate=validate.Regexp(DUES_MONTH_PATTERN, error="a month as YYYY-MM"),
                                 metadata={"description": _DUES + "; defaults to the expired letter's"})


class TransferReceiptSchema(StrictSchema):
    """回执: the receiving organisation confirms; the date is today (the county's calendar)."""


class TransferSchema(ResultSchema):
    id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    member_name = fields.Str(required=True)
    from_organisation_id = fields.UUID(required=True)
    to_organisation_id = fields.UUID(allow_none=True, metadata={"description": "null for an organisation outside the platform"})
    to_name = fields.Str(required=True, metadata={"description": "the receiving organisation's name"})
    to_place = fields.Str(allow_none=True)
    state = fields.Str(required=True, metadata={"description": "pending (待回执), received (已回执) or expired (已过期): "
                                                               "as of today, also before the expiry is recorded"})
    issued_on = fields.Date(required=True)
    valid_until = fields.Date(required=True)
    dues_paid_until = fields.Str(required=True, metadata={"description": _DUES})
    received_on = fields.Date(allow_none=True)
    expired_on = fields.Date(allow_none=True, metadata={"description": "the day after valid_until, once expired"})
    reissue_of = fields.UUID(allow_none=True, metadata={"description": "the expired letter this one replaces"})
    reissued_as = fields.UUID(allow_none=True, metadata={"description": "the letter that replaced this expired one"})
    issued_at = fields.AwareDateTime(required=True)
    received_at = fields.AwareDateTime(allow_none=True)


class TransferQuerySchema(PageQuerySchema):
    organisation_id = fields.UUID(metadata={"description": "letters sent from or to this organisation or any under it"})
    direction = fields.Str(validate=validate.OneOf(TRANSFER_DIRECTIONS),
                           metadata={"description": "sent (from the organisation, or the caller's) or received (to it)"})
    state = fields.Str(validate=validate.OneOf(list(TRANSFER_STATES)))
    member_id = fields.UUID(metadata={"description": "the letters of one member"})


class TransferPageSchema(PageSchema):
    items = fields.List(fields.Nested(TransferSchema), required=True)


# ---- county statistics (issue 8: where members go, the county's own figures) ----

from datetime import date as _date  # noqa: E402

DESTINATION_REACHES = {"in_county": "县内", "in_province": "省内", "out_of_province": "省外"}
NOT_YET_TRACKED = ()


class StatisticsQuerySchema(StrictSchema):
    organisation_id = fields.UUID(metadata={"description": "the subtree to count (default: everything the caller sees)"})
    # Bounded: the yearly series runs to this day, a count per year.
    date = fields.Date(validate=validate.Range(min=_date(1949, 10, 1), max=_date(2100, 12, 31)), metadata={
        "description": "the day the figures are for (default: today, the county's calendar), 1949-10-01 to 2100-12-31"})


class OrganisationCountSchema(ResultSchema):
    organisation_id = fields.UUID(required=True)
    name = fields.Str(required=True)
    kind = fields.Str(required=True)
    members = fields.Int(required=True)
    away = fields.Int(required=True)


class KindCountSchema(ResultSchema):
    kind = fields.Str(required=True)
    kind_label = fields.Str(required=True)
    organisations = fields.Int(required=True, metadata={"description": "organisations of this kind in the subtree"})
    members = fields.Int(required=True, metadata={"description": "members whose branch is of this kind"})


class ReachCountSchema(ResultSchema):
    reach = fields.Str(required=True, metadata={"description": "in_county (县内), in_province (省内), out_of_province "
                                                               "(省外), or unclassified (a destination not on the list)"})
    away = fields.Int(required=True)
    share_percent = fields.Float(required=True, metadata={"description": "of the away members, one decimal, half up"})


class YearCountSchema(ResultSchema):
    year = fields.Int(required=True)
    as_of = fields.Date(required=True, metadata={"description": "31 December, or the statistics date in its own year"})
    away = fields.Int(required=True)


class StatisticsSchema(ResultSchema):
    """The county's own figures for a subtree on a day (members: those who had joined by then)."""

    organisation_id = fields.UUID(allow_none=True)
    date = fields.Date(required=True)
    members = fields.Int(required=True)
    away = fields.Int(required=True, metadata={"description": "members with a reported departure open on the date"})
    away_share_percent = fields.Float(required=True, metadata={"description": "away of members, one decimal, half up"})
    away_by_reach = fields.List(fields.Nested(ReachCountSchema), required=True)
    away_by_year = fields.List(fields.Nested(YearCountSchema), required=True, metadata={
        "description": "away members at each year end, from the departures and returns, from the first departure's year"})
    members_by_kind = fields.List(fields.Nested(KindCountSchema), required=True)
    members_by_organisation = fields.List(fields.Nested(OrganisationCountSchema), required=True, metadata={
        "description": "every organisation in the subtree that has members"})
    lost_contact = fields.Int(allow_none=True, metadata={
        "description": "members whose contact was lost on the date (失联: reported, not yet restored)"})
    pocket_members = fields.Int(allow_none=True, metadata={
        "description": "口袋党员: pocket-member candidates open on the date (found by then, not yet placed or "
                       "withdrawn) that belong to an organisation in the subtree"})
    transfers_in_year = fields.Int(allow_none=True, metadata={
        "description": "transfer letters (组织关系转接) received from 1 January to the date, sent from or received "
                       "by an organisation in the subtree"})
    not_yet_tracked = fields.List(fields.Str(), required=True, metadata={
        "description": "the figures above that the platform does not record yet, answered null rather than invented"})


# ---- batches (issue 8: a county loads its roll, not one member at a time) ----
# Each item is validated and answered on its own: one bad row of a county's
# spreadsheet does not refuse the other 499, and nothing of a refused item is written.

MAX_BATCH = 500


class MemberBatchSchema(StrictSchema):
    items = fields.List(fields.Dict(), required=True, validate=validate.Length(min=1, max=MAX_BATCH), metadata={
        "description": f"1 to {MAX_BATCH} registrations, each as the body of POST /members (registerMember)"})


class DepartureBatchSchema(StrictSchema):
    items = fields.List(fields.Dict(), required=True, validate=validate.Length(min=1, max=MAX_BATCH), metadata={
        "description": f"1 to {MAX_BATCH} departure reports, each a member_id beside the body of "
                       "POST /members/{member_id}/departures (reportDeparture)"})


class BatchErrorSchema(ResultSchema):
    code = fields.Str(required=True)
    message = fields.Str(required=True)
    details = fields.Dict(allow_none=True)


class BatchItemSchema(ResultSchema):
    """One item of a batch's answer (``services.common.batch.each_item``): subclasses add what it made."""

    index = fields.Int(required=True, metadata={"description": "the item's place in the request, from 0"})
    status = fields.Int(required=True, metadata={"description": "what the single request would have answered: 201, or 4xx"})
    error = fields.Nested(BatchErrorSchema, allow_none=True)


class BatchResultSchema(ResultSchema):
    """A batch's answer: subclasses say what ``items`` are."""

    succeeded = fields.Int(required=True)
    refused = fields.Int(required=True)


class MemberBatchItemSchema(BatchItemSchema):
    member = fields.Nested(MemberSchema, allow_none=True)


class DepartureBatchItemSchema(BatchItemSchema):
    departure = fields.Nested(DepartureSchema, allow_none=True)


class MemberBatchResultSchema(BatchResultSchema):
    items = fields.List(fields.Nested(MemberBatchItemSchema), required=True)


class DepartureBatchResultSchema(BatchResultSchema):
    items = fields.List(fields.Nested(DepartureBatchItemSchema), required=True)

# ---- meetings: quorum, 留党察看 and exclusions from "should attend" (issue 8) ----
# The rules are services.roster.domain.quorum's; DOMAIN.md, "Meetings, votes and quorum".


EXCLUSION_GROUNDS = {
    "illness_unable_to_express_will": "患病无法表达个人意志",
    "abroad_at_own_expense": "自费出国半年以上",
    "serving_sentence": "正在服刑",
    "elderly_or_ill_bedridden": "年老体弱卧床不起和长期生病生活不能自理",
    "away_relationship_not_transferred": "外出务工经商、学习半年以上，应转走组织关系而没有转走",
}
NO_VOTE_REASONS = {
    "joined_after_date": "会议日期后入党",
    "probationary": "预备党员",
    "party_probation": "留党察看期间",
    "membership_suspended": "停止党籍",
    "removed": "已除名",
    "transferred_out": "组织关系已转出",
}
MAX_PRESENT = 1000  # far more than any branch's roll

# A branch's quorum and its records name who is left out and why (serving a
# sentence, bedridden): neither members:read (a member holds it for their own
# record) nor organisations:read (the security officer holds it to place grants)
# is the right to read that, so it is a permission of its own. Recording them
# is members:write.
MEETINGS_READ = "meetings:read"
PERMISSIONS = (*PERMISSIONS, MEETINGS_READ)
for _role in ("county_admin", "town_admin", "branch_secretary", "liaison"):
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | {MEETINGS_READ}
ROLE_PERMISSIONS["system_integration"] = frozenset(PERMISSIONS)
del _role


class QuorumCheckSchema(StrictSchema):
    """A meeting day and who came: sent in a body, as a large branch's attendance would not fit a URL."""

    date = fields.Date(required=True, metadata={"description": "the meeting day (YYYY-MM-DD)", "example": "2026-06-06"})
    present = fields.List(
        fields.UUID(), load_default=list, validate=validate.Length(max=MAX_PRESENT),
        metadata={"description": "the ids of the members present; every one must be a member "
                                 "of this branch (422 unknown_reference naming the strangers otherwise)"},
    )

    @validates_schema
    def _each_once(self, data, **kwargs):
        present = data.get("present") or []
        if len(set(present)) != len(present):
            raise ValidationError("a member is listed more than once", "present")


class PartyProbationCreateSchema(StrictSchema):
    """留党察看: a disciplinary decision, recorded as it was made (never edited or deleted)."""

    member_id = fields.UUID(required=True, metadata={"description": "a member of this branch"})
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True, metadata={"description": "the last day on probation (inclusive); at most two years"})
    decided_by = Text(required=True, validate=_trimmed(200), metadata={"description": "who decided it, e.g. 镇纪委"})
    decided_on = fields.Date(required=True, metadata={"description": "not after today"})


class PartyProbationSchema(ResultSchema):
    id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    decided_by = fields.Str(required=True)
    decided_on = fields.Date(required=True)
    recorded_at = fields.AwareDateTime(required=True)
    recorded_by = fields.Str(allow_none=True)


class AttendanceExclusionCreateSchema(StrictSchema):
    """Leave a member out of "should attend" (应到会): approved by a higher
    organisation and agreed by the branch's general meeting, on one of five grounds."""

    member_id = fields.UUID(required=True, metadata={"description": "a member of this branch"})
    ground = fields.Str(required=True, validate=validate.OneOf(list(EXCLUSION_GROUNDS)))
    approved_by_organisation_id = fields.UUID(
        required=True, metadata={"description": "the higher organisation that approved it: one above this branch"})
    approved_on = fields.Date(required=True, metadata={"description": "not after today"})
    agreed_on = fields.Date(required=True, metadata={"description": "the general meeting that agreed; not after today"})
    valid_from = fields.Date(required=True, metadata={"description": "not before approved_on nor agreed_on"})
    valid_until = fields.Date(load_default=None, allow_none=True,
                              metadata={"description": "the last day it holds (inclusive); null: until further notice"})
    note = Text(load_default=None, allow_none=True, validate=validate.Length(max=500))


class AttendanceExclusionSchema(ResultSchema):
    id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    ground = fields.Str(required=True)
    ground_label = fields.Str(required=True)
    approved_by_organisation_id = fields.UUID(required=True)
    approved_by_organisation_name = fields.Str(allow_none=True)
    approved_on = fields.Date(required=True)
    agreed_on = fields.Date(required=True)
    valid_from = fields.Date(required=True)
    valid_until = fields.Date(allow_none=True)
    note = fields.Str(allow_none=True)
    recorded_at = fields.AwareDateTime(required=True)
    recorded_by = fields.Str(allow_none=True)
    withdrawn_from = fields.Date(allow_none=True, metadata={
        "description": "withdrawn: the first day the member should attend again (null: not withdrawn)"})


class ExclusionWithdrawalCreateSchema(StrictSchema):
    """End an exclusion early (the member came home, recovered): a new record; the exclusion stays as recorded."""

    effective_from = fields.Date(required=True, metadata={
        "description": "the first day the member should attend again; not before the exclusion's valid_from"})
    reason = Text(required=True, validate=_trimmed(500))


class ExclusionWithdrawalSchema(ResultSchema):
    id = fields.UUID(required=True)
    exclusion_id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    effective_from = fields.Date(required=True)
    reason = fields.Str(required=True)
    recorded_at = fields.AwareDateTime(required=True)
    recorded_by = fields.Str(allow_none=True)


class QuorumMemberSchema(ResultSchema):
    member_id = fields.UUID(required=True)
    name = fields.Str(required=True)
    membership = fields.Str(required=True)
    joined_on = fields.Date(required=True)
    has_vote = fields.Bool(required=True)
    no_vote_reason = fields.Str(allow_none=True, metadata={
        "description": "joined_after_date | probationary | party_probation | membership_suspended | removed | "
                       "transferred_out; all but the two middle ones count nowhere"})
    no_vote_reason_label = fields.Str(allow_none=True)
    should_attend = fields.Bool(required=True)
    present = fields.Bool(required=True)
    exclusion = fields.Nested(AttendanceExclusionSchema, allow_none=True,
                              metadata={"description": "the approval that leaves the member out on the date"})
    party_probation = fields.Nested(PartyProbationSchema, allow_none=True)


class GeneralMeetingQuorumSchema(ResultSchema):
    may_vote = fields.Bool(required=True, metadata={"description": "present with a vote >= half of should_attend"})
    present_needed = fields.Int(allow_none=True, metadata={"description": "half of should_attend, rounded up"})
    motion_votes_needed = fields.Int(allow_none=True, metadata={
        "description": "votes for that pass a motion: more than half of should_attend, however many are present"})


class ElectionQuorumSchema(ResultSchema):
    valid = fields.Bool(required=True, metadata={"description": "present with a vote > four fifths of should_attend"})
    present_needed = fields.Int(allow_none=True)


class QuorumSchema(ResultSchema):
    """Where a branch stands for a meeting on ``date``. With nobody who should
    attend, nothing can be voted or elected and the needed numbers are null."""

    organisation_id = fields.UUID(required=True)
    date = fields.Date(required=True)
    members_total = fields.Int(required=True, metadata={"description": "on the roll and joined on or before the date"})
    members_with_vote = fields.Int(required=True)
    should_attend = fields.Int(required=True, metadata={"description": "应到会"})
    excluded = fields.Int(required=True, metadata={"description": "members with a vote left out by an approved exclusion"})
    present = fields.Int(required=True, metadata={"description": "实到会, with or without a vote"})
    present_with_vote = fields.Int(required=True)
    general_meeting = fields.Nested(GeneralMeetingQuorumSchema, required=True)
    election = fields.Nested(ElectionQuorumSchema, required=True)
    members = fields.List(fields.Nested(QuorumMemberSchema), required=True)


class PartyProbationListSchema(ResultSchema):
    """A branch's whole 留党察看 history, oldest record first (a branch's is short)."""

    items = fields.List(fields.Nested(PartyProbationSchema), required=True)


class AttendanceExclusionListSchema(ResultSchema):
    """A branch's whole history of exclusions from "should attend", oldest record first."""

    items = fields.List(fields.Nested(AttendanceExclusionSchema), required=True)


# ---- issue 8: check-in at the destination (双报到), awaiting check-in, should transfer ----
# A member (self scope) or a branch secretary checks in with MOVEMENTS_WRITE,
# as for departures and returns. Confirming is the organisations' act: the
# host's people confirm for the host, the home town's (or its branch's) for home.
CHECK_INS_CONFIRM = "check_ins:confirm"
PERMISSIONS = PERMISSIONS + (CHECK_INS_CONFIRM,)
for _role in ("county_admin", "town_admin", "branch_secretary", "system_integration"):
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | {CHECK_INS_CONFIRM}
del _role

CHECK_IN_SIDES = {"host": "流入地党组织确认", "home": "流出地乡镇党委确认"}


class CheckInReportSchema(StrictSchema):
    """双报到: where the member reported at the destination. Either a host on the
    platform (``host_organisation_id``) or one outside it (``host_name`` and ``host_place``)."""

    checked_in_on = fields.Date(load_default=None, metadata={"description": "defaults to today"})
    host_organisation_id = fields.UUID(load_default=None, allow_none=True, metadata={
        "description": "an organisation on the platform (a destination mobile branch, a community branch, a red station)"})
    host_name = Text(load_default=None, allow_none=True, validate=validate.Length(min=1, max=200),
                     metadata={"description": "a host outside the platform: its name"})
    host_place = Text(load_default=None, allow_none=True, validate=validate.Length(min=1, max=200),
                      metadata={"description": "a host outside the platform: where it is (e.g. 酒泉市瓜州县)"})

    @validates_schema
    def _one_host(self, data, **kwargs):
        if data.get("host_organisation_id"):
            extra = [name for name in ("host_name", "host_place") if data.get(name)]
            if extra:
                raise ValidationError({name: ["not with host_organisation_id"] for name in extra})
        elif not data.get("host_name") or not data.get("host_place"):
            raise ValidationError({
                name: ["required when host_organisation_id is not given"]
                for name in ("host_name", "host_place") if not data.get(name)
            })


class CheckInConfirmationSchema(StrictSchema):
    side = fields.Str(required=True, validate=validate.OneOf(list(CHECK_IN_SIDES)), metadata={
        "description": "host: the host organisation confirms (for a host outside the platform, the home "
                       "organisation records it); home: the member's home town or branch confirms"})


class CheckInSchema(ResultSchema):
    id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    departure_id = fields.UUID(required=True)
    checked_in_on = fields.Date(required=True)
    host_organisation_id = fields.UUID(allow_none=True)
    host_name = fields.Str(required=True)
    host_place = fields.Str(allow_none=True)
    reported_at = fields.AwareDateTime(required=True)
    reported_by = fields.Str(allow_none=True)
    host_confirmed_at = fields.AwareDateTime(allow_none=True)
    host_confirmed_by = fields.Str(allow_none=True)
    home_confirmed_at = fields.AwareDateTime(allow_none=True)
    home_confirmed_by = fields.Str(allow_none=True)
    confirmed = fields.Bool(required=True, metadata={"description": "both sides have confirmed"})


class CheckInListSchema(ResultSchema):
    items = fields.List(fields.Nested(CheckInSchema), required=True)


class AwayQuerySchema(PageQuerySchema):
    organisation_id = fields.UUID(metadata={"description": "members of this organisation and every organisation under it"})


class AwayMemberSchema(ResultSchema):
    """A member away, without personal data: who, from which branch, since when, where to."""

    member_id = fields.UUID(required=True)
    name = fields.Str(required=True)
    organisation_id = fields.UUID(required=True)
    departure_id = fields.UUID(required=True)
    departed_on = fields.Date(required=True)
    destination_province = fields.Str(allow_none=True)
    destination_city = fields.Str(allow_none=True)
    days_away = fields.Int(required=True)
    check_in_due_on = fields.Date(required=True, metadata={"description": "listed as awaiting check-in from this day"})
    should_transfer_from = fields.Date(required=True, metadata={
        "description": "six calendar months after departed_on: flagged 'should transfer' from this day itself"})


class AwayMemberPageSchema(PageSchema):
    as_of = fields.Date(required=True, metadata={"description": "the county's date the list was computed for"})
    items = fields.List(fields.Nested(AwayMemberSchema), required=True)


# ---- issue 8: 流动党员活动证, the mobile-member card ----

class MobileMemberCardIssueSchema(StrictSchema):
    branch_id = fields.UUID(required=True, metadata={
        "description": "the branch at the destination where the member takes part in organisational life and pays dues"})
    issued_on = fields.Date(load_default=None, metadata={"description": "defaults to today"})
    valid_until = fields.Date(load_default=None, metadata={
        "description": "defaults to the departure's expected_return_on, and may not be after it"})


class MobileMemberCardSchema(ResultSchema):
    id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    departure_id = fields.UUID(required=True)
    number = fields.Str(required=True, metadata={"description": "the card's number (活动证编号)"})
    branch_id = fields.UUID(required=True)
    issued_on = fields.Date(required=True)
    valid_until = fields.Date(required=True)
    votes_at_destination = fields.Bool(required=True, metadata={
        "description": "always false: organisational life and dues at the destination, no vote there"})
    issued_at = fields.AwareDateTime(required=True)
    issued_by = fields.Str(allow_none=True)


class MobileMemberCardListSchema(ResultSchema):
    items = fields.List(fields.Nested(MobileMemberCardSchema), required=True)


# ---- issue 8: lost contact (失联), suspension (停止党籍) and removal (除名) ----
# A branch (its secretary or liaison) reports a member it cannot reach, and
# reports contact restored; confirming a suspension or a removal is the higher
# Party committee's act, so it is its own permission.
LOST_CONTACT_WRITE = "lost_contact:write"
MEMBERSHIP_DECIDE = "membership:decide"
PERMISSIONS = PERMISSIONS + (LOST_CONTACT_WRITE, MEMBERSHIP_DECIDE)
for _role in ("county_admin", "branch_secretary", "liaison"):
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | {LOST_CONTACT_WRITE}
for _role in ("county_admin", "town_admin"):
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | {MEMBERSHIP_DECIDE}
# A person's act, never a system's: API keys cannot carry it.
ROLE_PERMISSIONS["system_integration"] = frozenset(PERMISSIONS) - {MEMBERSHIP_DECIDE}
del _role

MEMBERSHIP_DECISION_KINDS = {"suspension": "停止党籍", "removal": "除名"}
MAX_SEARCH_EFFORTS = 50


class SearchEffortSchema(StrictSchema):
    on = fields.Date(required=True, metadata={"description": "when the attempt was made"})
    how = Text(required=True, validate=_trimmed(200), metadata={
        "description": "what was tried: phone, asking the family, the destination's organisation... "
                       "(no phone numbers or addresses here)"})
    outcome = Text(required=True, validate=_trimmed(500), metadata={"description": "what came of it"})


class LostContactReportSchema(StrictSchema):
    """失联: reported with the search efforts made."""

    lost_since = fields.Date(required=True, metadata={"description": "the day of the last contact"})
    search_efforts = fields.List(fields.Nested(SearchEffortSchema), required=True,
                                 validate=validate.Length(min=1, max=MAX_SEARCH_EFFORTS))
    note = Text(load_default=None, allow_none=True, validate=validate.Length(max=500))


class ContactRestorationSchema(StrictSchema):
    restored_on = fields.Date(load_default=None, metadata={"description": "defaults to today"})
    note = Text(load_default=None, allow_none=True, validate=validate.Length(max=500),
                metadata={"description": "how contact came back"})


class MembershipDecisionCreateSchema(StrictSchema):
    """Confirm what the rules propose: suspension (停止党籍) six months after contact was lost,
    removal (除名) two years after the suspension."""

    kind = fields.Str(required=True, validate=validate.OneOf(list(MEMBERSHIP_DECISION_KINDS)))
    decided_on = fields.Date(load_default=None, metadata={"description": "defaults to today"})
    note = Text(load_default=None, allow_none=True, validate=validate.Length(max=500),
                metadata={"description": "the meeting or document that decided it"})


class ProposalSchema(ResultSchema):
    kind = fields.Str(required=True, metadata={"description": "suspension (停止党籍) or removal (除名)"})
    kind_label = fields.Str(required=True)
    due_from = fields.Date(required=True)


class MembershipDecisionSchema(ResultSchema):
    id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    lost_contact_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    kind = fields.Str(required=True)
    kind_label = fields.Str(required=True)
    proposed_from = fields.Date(required=True)
    decided_on = fields.Date(required=True)
    note = fields.Str(allow_none=True)
    decided_at = fields.AwareDateTime(required=True)
    decided_by = fields.Str(allow_none=True)
    reversed_on = fields.Date(allow_none=True, metadata={"description": "a suspension reversed by restored contact"})
    reversed_at = fields.AwareDateTime(allow_none=True)
    reversed_by = fields.Str(allow_none=True)


class LostContactSchema(ResultSchema):
    """One spell of lost contact, with what it led to and what the rules propose now."""

    id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    lost_since = fields.Date(required=True)
    reported_on = fields.Date(required=True)
    search_efforts = fields.List(fields.Nested(SearchEffortSchema), required=True)
    note = fields.Str(allow_none=True)
    reported_at = fields.AwareDateTime(required=True)
    reported_by = fields.Str(allow_none=True)
    restored_on = fields.Date(allow_none=True)
    restored_at = fields.AwareDateTime(allow_none=True)
    restored_by = fields.Str(allow_none=True)
    restoration_note = fields.Str(allow_none=True)
    decisions = fields.List(fields.Nested(MembershipDecisionSchema), required=True)
    proposal = fields.Nested(ProposalSchema, allow_none=True, metadata={"description": "due today, to confirm"})
    next_proposal = fields.Nested(ProposalSchema, allow_none=True,
                                  metadata={"description": "what will be proposed next, and from when"})


class LostContactListSchema(ResultSchema):
    items = fields.List(fields.Nested(LostContactSchema), required=True)


class LostContactQuerySchema(PageQuerySchema):
    organisation_id = fields.UUID(metadata={"description": "members of this organisation and every organisation under it"})
    proposal = fields.Str(validate=validate.OneOf(list(MEMBERSHIP_DECISION_KINDS)),
                          metadata={"description": "only members for whom this is proposed today"})


class LostMemberSchema(ResultSchema):
    member_id = fields.UUID(required=True)
    name = fields.Str(required=True)
    organisation_id = fields.UUID(required=True)
    lost_contact = fields.Nested(LostContactSchema, required=True)


class LostMemberPageSchema(PageSchema):
    as_of = fields.Date(required=True)
    items = fields.List(fields.Nested(LostMemberSchema), required=True)

# ---- issue 8: member field changes and the member timeline ----
from marshmallow import pre_load  # noqa: E402

# What PATCH /members/{id} may change (services.roster.domain.member_changes says why the others may not).
MEMBER_CHANGEABLE_FIELDS = ("name", "gender", "phone", "joined_on", "membership")
MEMBER_UNCHANGEABLE_FIELDS = {
    "id_number": "the ID number is the member's identity and is never changed",
    "birth_date": "the birth date is written inside the ID number and never changes apart from it",
    "organisation_id": "a member changes branch only by a transfer letter (组织关系转接)",
    "status": "the status is computed from the member's history, never typed",
}


class MemberUpdateSchema(StrictSchema):
    """Change some of a member's fields; each change is kept in the member's timeline with who, when,
    the old and the new value. A field sent with the value it has is no change."""

    name = Text(validate=_trimmed(100))
    gender = fields.Str(validate=validate.OneOf(list(GENDERS)))
    phone = fields.Str(validate=validate.Regexp(PHONE_PATTERN, error="must be an 11-digit mobile number"),
                       metadata={"description": "personal data: kept encrypted, also in the change's record"})
    joined_on = fields.Date(metadata={"description": "入党时间: after the birth date, not in the future"})
    membership = fields.Str(validate=validate.OneOf(list(MEMBERSHIPS)), metadata={
        "description": "only probationary → full (转正), with full_member_on; never back"})
    full_member_on = fields.Date(metadata={
        "description": "转正日期: with membership full; not before one year after joined_on, not in the future"})
    reason = Text(validate=validate.Length(min=1, max=500), metadata={"description": "why, kept with the change"})

    @pre_load
    def _unchangeable(self, data, **kwargs):
        if isinstance(data, dict):
            refused = {name: [why] for name, why in MEMBER_UNCHANGEABLE_FIELDS.items() if name in data}
            if refused:
                raise ValidationError(refused)
        return data

    @validates_schema
    def _something_to_change(self, data, **kwargs):
        if not any(name in data for name in MEMBER_CHANGEABLE_FIELDS):
            raise ValidationError(f"name at least one of: {', '.join(MEMBER_CHANGEABLE_FIELDS)}", "_schema")

    @validates_schema
    def _date_with_membership(self, data, **kwargs):
        if "full_member_on" in data and data.get("membership") != "full":
            raise ValidationError("only with membership full", "full_member_on")


MAX_TIMELINE_PER_PAGE = 500

# What a timeline entry records (``kind``), with the county's words.
TIMELINE_KINDS = {
    "registered": "登记入册",
    "field_changed": "信息变更",
    "departure_reported": "外出报备",
    "returned": "返乡",
    "checked_in": "双报到",
    "check_in_confirmed": "报到确认",
    "mobile_member_card_issued": "发放流动党员活动证",
    "transfer_issued": "开具组织关系介绍信",
    "transfer_received": "介绍信回执",
    "transfer_expired": "介绍信过期",
    "party_probation_recorded": "留党察看",
    "attendance_exclusion_approved": "不列入应到会人数",
    "attendance_exclusion_withdrawn": "撤销不列入应到会",
    "lost_contact_reported": "失联报告",
    "contact_restored": "恢复联系",
    "membership_suspension": "停止党籍",
    "membership_suspension_reversed": "恢复党籍",
    "membership_removal": "除名",
    "status_changed": "状态变化",
}


class TimelineQuerySchema(StrictSchema):
    page = fields.Int(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = fields.Int(load_default=100, validate=validate.Range(min=1, max=MAX_TIMELINE_PER_PAGE))


class TimelineEntrySchema(ResultSchema):
    at = fields.AwareDateTime(required=True, metadata={
        "description": "when it was recorded; for an expiry, the start of the county's first day the letter was "
                       "no longer valid"})
    on = fields.Date(allow_none=True, metadata={"description": "the business date, where there is one "
                                                                 "(departed_on, returned_on, checked_in_on, ...)"})
    kind = fields.Str(required=True, metadata={"description": "one of " + ", ".join(TIMELINE_KINDS)})
    kind_label = fields.Str(required=True)
    by = fields.Str(allow_none=True, metadata={"description": "the principal who recorded it (user:<id> or "
                                                              "key:<id>); null where nobody did (an expiry)"})
    record_id = fields.Str(required=True, metadata={"description": "the id of the record it comes from"})
    organisation_id = fields.UUID(allow_none=True, metadata={
        "description": "the member's branch when it happened"})
    details = fields.Dict(keys=fields.Str(), required=True, metadata={
        "description": "the entry's own fields; personal values (a phone number) are masked as in the member"})


class TimelineSchema(PageSchema):
    member_id = fields.UUID(required=True)
    items = fields.List(fields.Nested(TimelineEntrySchema), required=True, metadata={"description": "oldest first"})

# ---- issue 8: computed member status, its history ----

class MemberStatusChangeSchema(ResultSchema):
    """One change of a member's computed status; the history is append-only."""

    id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True, metadata={"description": "the member's branch at the change"})
    status = fields.Str(required=True, metadata={"description": "one of the member statuses"})
    previous_status = fields.Str(allow_none=True, metadata={"description": "null for the first, at registration"})
    effective_on = fields.Date(required=True, metadata={
        "description": "the county's day the status took effect (for the clock's: the due day, or the day six months were up)"})
    changed_at = fields.AwareDateTime(required=True, metadata={"description": "when the change was recorded"})
    changed_by = fields.Str(allow_none=True, metadata={"description": "the caller whose request changed it; null for the clock"})
    cause = fields.Str(required=True, metadata={
        "description": "the event type that caused it (member_registered, member_departed, ...), or clock"})


class MemberStatusHistorySchema(ResultSchema):
    items = fields.List(fields.Nested(MemberStatusChangeSchema), required=True, metadata={"description": "oldest first"})

# ---- issue 8: pocket members (口袋党员) ----
# Candidates from expired, unreceived transfer letters and from ID numbers that match no one
# (services.roster.domain.pocket_member). The list is the organisations' work, about people who
# are not (or not properly) on the roll: members:read is held by the member role for their own
# record, so reading it is a permission of its own, pocket_members:read. Reporting a sighting and
# placing a candidate are members:write, as registering a member is (placing one from an ID number
# registers them, and a sighting answers no more about the roll than a registration does).
POCKET_MEMBERS_READ = "pocket_members:read"
PERMISSIONS = PERMISSIONS + (POCKET_MEMBERS_READ,)
for _role in ("county_admin", "town_admin", "branch_secretary", "system_integration"):
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | {POCKET_MEMBERS_READ}
del _role
POCKET_MEMBER_SOURCES = {
    "transfer_letter": "介绍信过期未接收", "check_in": "报到", "registration_elsewhere": "外地登记", "other": "其他",
}
SIGHTING_SOURCES = ("check_in", "registration_elsewhere", "other")
POCKET_MEMBER_STATES = {"open": "待安置", "placed": "已编入支部", "withdrawn": "已撤销 (转接重新开始)"}
SIGHTING_OUTCOMES = ("matched", "candidate")


class SightingSchema(StrictSchema):
    """An ID number that arrived from elsewhere (a check-in, a registration in another place)."""

    id_number = _id_number_field()
    name = Text(required=True, validate=_trimmed(100))
    source = fields.Str(required=True, validate=validate.OneOf(SIGHTING_SOURCES))
    organisation_id = fields.UUID(required=True, metadata={
        "description": "the organisation recording it, in the caller's scope: the candidate belongs to it"})
    place = Text(load_default=None, allow_none=True, validate=validate.Length(min=1, max=200),
                 metadata={"description": "where the number turned up (e.g. 酒泉市瓜州县)"})
    note = Text(load_default=None, allow_none=True, validate=validate.Length(max=500))
    seen_on = fields.Date(load_default=None, allow_none=True, metadata={"description": "defaults to today; not after it"})


class PocketMemberSchema(ResultSchema):
    id = fields.UUID(required=True)
    source = fields.Str(required=True, metadata={"description": "transfer_letter | check_in | registration_elsewhere | other"})
    source_label = fields.Str(required=True)
    state = fields.Str(required=True, metadata={"description": "open (待安置), placed or withdrawn (a letter "
                                                               "candidate whose transfer was started again)"})
    organisation_id = fields.UUID(required=True, metadata={
        "description": "the letter's sending branch, or the organisation that recorded the sighting"})
    name = fields.Str(required=True)
    member_id = fields.UUID(allow_none=True, metadata={"description": "a letter candidate's member"})
    transfer_id = fields.UUID(allow_none=True, metadata={"description": "the newest expired letter"})
    id_number = fields.Str(allow_none=True, metadata={
        "description": "a sighting's ID number; personal data: unless the caller may see it in full, only the "
                       "last four characters show (**************123X)"})
    place = fields.Str(allow_none=True)
    note = fields.Str(allow_none=True)
    sightings = fields.Int(required=True, metadata={"description": "how often the number arrived (0 for a letter)"})
    found_on = fields.Date(required=True, metadata={"description": "the day after the letter's validity, or the first sighting"})
    last_seen_on = fields.Date(required=True)
    found_at = fields.AwareDateTime(required=True)
    closed_on = fields.Date(allow_none=True)
    placed_branch_id = fields.UUID(allow_none=True)
    placed_member_id = fields.UUID(allow_none=True)


class PocketMemberPageSchema(PageSchema):
    items = fields.List(fields.Nested(PocketMemberSchema), required=True)


class PocketMemberQuerySchema(PageQuerySchema):
    organisation_id = fields.UUID(metadata={"description": "candidates of this organisation and every one under it"})
    source = fields.Str(validate=validate.OneOf(list(POCKET_MEMBER_SOURCES)))
    state = fields.Str(validate=validate.OneOf(list(POCKET_MEMBER_STATES)))


class SightingResultSchema(ResultSchema):
    outcome = fields.Str(required=True, metadata={
        "description": "matched: the number is on the roll (nothing recorded); candidate: recorded as a pocket-member "
                       "candidate, or added to the one already recorded for the number"})
    member_id = fields.UUID(allow_none=True, metadata={
        "description": "when matched, the member, if the caller sees them; null for a member outside the caller's "
                       "organisations"})
    new = fields.Bool(required=True, metadata={"description": "a new candidate (false: a repeated sighting)"})
    pocket_member = fields.Nested(PocketMemberSchema, allow_none=True, metadata={
        "description": "the candidate, when the caller sees it"})


class PlacementCreateSchema(StrictSchema):
    """Place a candidate in a branch. For a candidate from an ID number it registers a member there from the
    candidate's name and ID number (gender and birth date from the number) and ``phone`` and ``joined_on``."""

    branch_id = fields.UUID(required=True, metadata={"description": "a branch in the caller's scope"})
    placed_on = fields.Date(load_default=None, allow_none=True, metadata={
        "description": "defaults to today; not after it, nor before the candidate was found"})
    note = Text(load_default=None, allow_none=True, validate=validate.Length(max=500))
    phone = fields.Str(load_default=None, allow_none=True,
                       validate=validate.Regexp(PHONE_PATTERN, error="must be an 11-digit mobile number"),
                       metadata={"description": "ID-number candidates only: required"})
    joined_on = fields.Date(load_default=None, allow_none=True,
                            metadata={"description": "入党时间; ID-number candidates only: required"})
    membership = fields.Str(load_default=None, allow_none=True, validate=validate.OneOf(list(MEMBERSHIPS)),
                            metadata={"description": "ID-number candidates only; default full"})
    gender = fields.Str(load_default=None, allow_none=True, validate=validate.OneOf(list(GENDERS)), metadata={
        "description": "ID-number candidates only; default from the ID number (odd 17th character: male)"})


class PlacementSchema(ResultSchema):
    id = fields.UUID(required=True)
    pocket_member_id = fields.UUID(required=True)
    member_id = fields.UUID(required=True)
    from_organisation_id = fields.UUID(allow_none=True, metadata={"description": "null: registered by the placement"})
    branch_id = fields.UUID(required=True)
    placed_on = fields.Date(required=True)
    registered = fields.Bool(required=True)
    note = fields.Str(allow_none=True)
    recorded_at = fields.AwareDateTime(required=True)
    recorded_by = fields.Str(allow_none=True)


class PocketMemberDetailSchema(PocketMemberSchema):
    placement = fields.Nested(PlacementSchema, allow_none=True)


class PlacementResultSchema(ResultSchema):
    pocket_member = fields.Nested(PocketMemberSchema, required=True)
    placement = fields.Nested(PlacementSchema, required=True)

# ---- issue 8: organisation details, stations serving branches, town–community pairings ----
HOST_KINDS = {"community": "社区", "company": "企业"}
STATION_LINK_STATES = ("active", "ended")


class HostSchema(StrictSchema):
    """The host of a destination mobile branch: a local community or company."""

    name = Text(required=True, validate=_trimmed(200))
    kind = fields.Str(required=True, validate=validate.OneOf(list(HOST_KINDS)))


class BudgetSchema(StrictSchema):
    """A destination mobile branch's budget, in whole yuan, for a year."""

    yuan = fields.Int(required=True, validate=validate.Range(min=0, max=1_000_000_000))
    year = fields.Int(allow_none=True, load_default=None, validate=validate.Range(min=2000, max=2100))


class OfficerSchema(StrictSchema):
    """A secretary, deputy secretary or liaison: a name, and the member when they are on the roll."""

    name = Text(required=True, validate=_trimmed(100))
    member_id = fields.UUID(allow_none=True, load_default=None)


DETAIL_GROUPS = ("host", "budget", "secretary", "deputy_secretary", "liaison", "activity_day")


class OrganisationUpdateSchema(StrictSchema):
    """PATCH: the details to change; one left out stays, one given as null is cleared."""

    host = fields.Nested(HostSchema, allow_none=True)
    budget = fields.Nested(BudgetSchema, allow_none=True)
    secretary = fields.Nested(OfficerSchema, allow_none=True)
    deputy_secretary = fields.Nested(OfficerSchema, allow_none=True)
    liaison = fields.Nested(OfficerSchema, allow_none=True)
    activity_day = fields.Int(allow_none=True)
    reason = Text(allow_none=True, load_default=None, validate=validate.Length(max=500),
                  metadata={"description": "why, kept in the history"})

    @validates_schema
    def _something(self, data, **kwargs):
        if not set(data) & set(DETAIL_GROUPS):
            raise ValidationError({"_schema": [f"give at least one of {', '.join(DETAIL_GROUPS)}"]})


class OrganisationChangeSchema(ResultSchema):
    id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    revision = fields.Int(required=True)
    changes = fields.Dict(keys=fields.Str(), values=fields.Dict(), required=True, metadata={
        "description": "{field: {from, to}} for every detail field that changed"})
    reason = fields.Str(allow_none=True)
    changed_at = fields.AwareDateTime(required=True)
    changed_by = fields.Str(allow_none=True)


class OrganisationChangeListSchema(ResultSchema):
    items = fields.List(fields.Nested(OrganisationChangeSchema), required=True)


class StationLinkCreateSchema(StrictSchema):
    branch_id = fields.UUID(required=True, metadata={"description": "the branch the station serves"})
    since = fields.Date(allow_none=True, load_default=None, metadata={"description": "default: today"})


class EndSchema(StrictSchema):
    ended_on = fields.Date(allow_none=True, load_default=None, metadata={"description": "default: today"})
    reason = Text(allow_none=True, load_default=None, validate=validate.Length(max=500))


class StationLinkSchema(ResultSchema):
    id = fields.UUID(required=True)
    station_id = fields.UUID(required=True)
    station_name = fields.Str(required=True)
    station_kind = fields.Str(required=True)
    branch_id = fields.UUID(required=True)
    branch_name = fields.Str(required=True)
    since = fields.Date(required=True)
    ended_on = fields.Date(allow_none=True)
    end_reason = fields.Str(allow_none=True)
    active = fields.Bool(required=True)
    linked_at = fields.AwareDateTime(required=True)
    linked_by = fields.Str(allow_none=True)
    ended_at = fields.AwareDateTime(allow_none=True)
    ended_by = fields.Str(allow_none=True)


class StationLinkQuerySchema(StrictSchema):
    state = fields.Str(validate=validate.OneOf(STATION_LINK_STATES), metadata={"description": "default: both"})


class StationLinkListSchema(ResultSchema):
    items = fields.List(fields.Nested(StationLinkSchema), required=True)


class PairingCreateSchema(StrictSchema):
    """城乡结对: ``town_id`` (a town party committee) with ``community_organisation_id`` (on the
    platform) or ``community_name`` and ``community_place`` (outside it)."""

    town_id = fields.UUID(required=True)
    community_organisation_id = fields.UUID(allow_none=True, load_default=None)
    community_name = Text(allow_none=True, load_default=None, validate=_trimmed(200))
    community_place = Text(allow_none=True, load_default=None, validate=validate.Length(max=200))
    paired_on = fields.Date(allow_none=True, load_default=None, metadata={"description": "default: today"})

    @validates_schema
    def _one_community(self, data, **kwargs):
        if data.get("community_organisation_id") is not None:
            extra = [name for name in ("community_name", "community_place") if data.get(name) is not None]
            if extra:
                raise ValidationError({name: ["not with community_organisation_id"] for name in extra})
        elif data.get("community_name") is None:
            raise ValidationError({"community_organisation_id": [
                "required, unless community_name names a community outside the platform"]})


class PairingSchema(ResultSchema):
    id = fields.UUID(required=True)
    town_id = fields.UUID(required=True)
    town_name = fields.Str(required=True)
    community_organisation_id = fields.UUID(allow_none=True)
    community_name = fields.Str(required=True)
    community_place = fields.Str(allow_none=True)
    paired_on = fields.Date(required=True)
    ended_on = fields.Date(allow_none=True)
    end_reason = fields.Str(allow_none=True)
    active = fields.Bool(required=True)
    recorded_at = fields.AwareDateTime(required=True)
    recorded_by = fields.Str(allow_none=True)
    ended_at = fields.AwareDateTime(allow_none=True)
    ended_by = fields.Str(allow_none=True)


class PairingQuerySchema(PageQuerySchema):
    town_id = fields.UUID(metadata={"description": "pairings of this town"})
    state = fields.Str(validate=validate.OneOf(STATION_LINK_STATES), metadata={"description": "default: both"})


class PairingPageSchema(PageSchema):
    items = fields.List(fields.Nested(PairingSchema), required=True)


# ---- issue 9: a phone number at send time, for a service delivering study material ----
MAX_CONTACTS = 500


class DeliveryContactQuerySchema(StrictSchema):
    member_ids = fields.List(fields.UUID(), required=True, validate=validate.Length(min=1, max=MAX_CONTACTS))


class DeliveryContactSchema(ResultSchema):
    member_id = fields.UUID(required=True)
    phone = fields.Str(allow_none=True, metadata={"description": "null for a member not on the roll any more"})


class DeliveryContactListSchema(ResultSchema):
    items = fields.List(fields.Nested(DeliveryContactSchema), required=True)
