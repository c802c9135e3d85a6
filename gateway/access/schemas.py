"""Request and reply schemas of the gateway's own resources: tokens, users, API keys, grants, audit records.

These are the gateway's, not a service's, so they live here rather than in ``contracts``.
"""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from contracts.roster import PageQuerySchema, PageSchema, StrictSchema
from contracts.text import Text
from gateway.access import policy
from gateway.access.management import rate_limit_problem

USERNAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{2,63}$"
PRINCIPAL_PATTERN = r"^(user:[0-9a-f-]{36}|key:[0-9a-f]{12})$"
MIN_PASSWORD_LENGTH = 12
KEY_PERMISSIONS = sorted(policy.ROLE_PERMISSIONS[policy.SYSTEM_INTEGRATION])
ROLES = sorted(policy.ROLE_PERMISSIONS)
GRANT_STATUSES = ("pending", "approved", "rejected")

class JsonBool(fields.Bool):
    """A JSON body's true or false only: marshmallow's Bool also takes 0, 1 or "yes", which the document does not allow."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


_username = fields.Str(
    required=True,
    validate=validate.Regexp(USERNAME_PATTERN, error="3 to 64 characters: lower-case letters, digits, '.', '_' or '-'"),
)


# ---- tokens -------------------------------------------------------------------

class TokenRequestSchema(StrictSchema):
    username = Text(required=True, validate=validate.Length(min=1, max=64))
    password = fields.Str(required=True, validate=validate.Length(min=1, max=256), load_only=True)


class TokenSchema(Schema):
    access_token = fields.Str(required=True, metadata={"description": "send as 'Authorization: Bearer <access_token>'"})
    token_type = fields.Str(required=True, metadata={"example": "Bearer"})
    expires_in = fields.Int(required=True, metadata={"description": "seconds the token stays valid"})


class PasswordChangeSchema(StrictSchema):
    current_password = fields.Str(required=True, load_only=True, validate=validate.Length(min=1, max=256))
    new_password = fields.Str(required=True, load_only=True, validate=validate.Length(min=MIN_PASSWORD_LENGTH, max=256))


# ---- users --------------------------------------------------------------------

class UserCreateSchema(StrictSchema):
    username = _username
    display_name = Text(required=True, validate=validate.Length(min=1, max=100))
    member_id = fields.UUID(
        load_default=None, allow_none=True,
        metadata={"description": "the member this person is: needed for the member role"},
    )


class UserUpdateSchema(StrictSchema):
    active = JsonBool(metadata={"description": "false disables the user: every token stops working at once"})
    display_name = Text(validate=validate.Length(min=1, max=100))

    @validates_schema
    def _something(self, data, **kwargs):
        if not data:
            raise ValidationError("give active or display_name")


class UserSchema(Schema):
    id = fields.UUID(required=True)
    principal = fields.Method("_principal", metadata={"description": "user:<id>, as grants and audit records name it"})
    username = fields.Str(required=True)
    display_name = fields.Str(required=True)
    active = fields.Bool(required=True)
    member_id = fields.UUID(allow_none=True)
    activated_at = fields.AwareDateTime(
        allow_none=True, metadata={"description": "when the owner set their first password; null: cannot sign in yet"},
    )
    created_at = fields.AwareDateTime(required=True)
    created_by = fields.Str(required=True)
    updated_at = fields.AwareDateTime(required=True)
    updated_by = fields.Str(required=True)

    def _principal(self, user):
        return f"user:{user['id']}"


class ActivationIssuedSchema(Schema):
    activation_code = fields.Str(required=True, metadata={
        "description": "one-time code, shown this once: give it to the account's owner out of band; they set "
                       "their own password with it at POST /api/v1/activations",
        "example": "ABCD-EFGH-JKLM-NPQR-STUV-WXYZ-2345-6723",
    })
    activation_expires_at = fields.AwareDateTime(required=True)


class UserCreatedSchema(UserSchema, ActivationIssuedSchema):
    pass


class ActivationSchema(StrictSchema):
    username = Text(required=True, validate=validate.Length(min=1, max=64))
    code = fields.Str(required=True, load_only=True, validate=validate.Length(min=1, max=100),
                      metadata={"description": "the activation code (case, spaces and dashes do not count)"})
    password = fields.Str(required=True, load_only=True, validate=validate.Length(min=MIN_PASSWORD_LENGTH, max=256),
                          metadata={"description": "your own password, which nobody else learns"})


class UserQuerySchema(PageQuerySchema):
    username = Text(validate=validate.Length(min=1, max=64))
    active = fields.Bool()


class UserPageSchema(PageSchema):
    items = fields.List(fields.Nested(UserSchema), required=True)


# ---- API keys ------------------------------------------------------------------

def _rate_limit(value):
    problem = rate_limit_problem(value)
    if problem:
        raise ValidationError(problem)


class ApiKeyCreateSchema(StrictSchema):
    name = Text(required=True, validate=validate.Length(min=1, max=100), metadata={"example": "县人社局对接"})
    owner = Text(required=True, validate=validate.Length(min=1, max=100), metadata={"description": "who answers for the key"})
    scopes = fields.List(
        fields.Str(validate=validate.OneOf(KEY_PERMISSIONS)), required=True, validate=validate.Length(min=1),
        metadata={"description": "the permissions the key may use, a subset of the system_integration role's"},
    )
    organisation_id = fields.UUID(
        load_default=None, allow_none=True,
        metadata={"description": "the organisation subtree the key works on; null: the whole platform"},
    )
    rate_limit = fields.Str(
        load_default=None, allow_none=True, validate=[validate.Length(min=1, max=100), _rate_limit],
        metadata={"description": "the key's own request limit, flask-limiter's notation (a town system syncing "
                                 "a wave needs more than a person); null: the platform's LIUDONG_RATE_LIMIT",
                  "example": "1200/minute"},
    )


class ApiKeySchema(Schema):
    id = fields.Str(required=True, metadata={"description": "the key id, the public part of the key"})
    principal = fields.Method("_principal")
    prefix = fields.Method("_prefix", metadata={"description": "how the key starts: ld_<key id>_"})
    name = fields.Str(required=True)
    owner = fields.Str(required=True)
    scopes = fields.List(fields.Str(), required=True)
    rate_limit = fields.Str(allow_none=True, metadata={"description": "the key's own request limit; null: the platform's"})
    created_at = fields.AwareDateTime(required=True)
    created_by = fields.Str(required=True)
    last_used_at = fields.AwareDateTime(allow_none=True, metadata={"description": "to the minute"})
    revoked_at = fields.AwareDateTime(allow_none=True)
    revoked_by = fields.Str(allow_none=True)

    def _principal(self, key):
        return f"key:{key['id']}"

    def _prefix(self, key):
        return f"ld_{key['id']}_"


class ApiKeyCreatedSchema(ApiKeySchema):
    key = fields.Str(required=True, metadata={"description": "the whole key, shown this once: send it as X-API-Key"})
    grant = fields.Nested(lambda: GrantSchema(), required=True)


class ApiKeyQuerySchema(PageQuerySchema):
    include_revoked = fields.Bool(load_default=False)


class ApiKeyPageSchema(PageSchema):
    items = fields.List(fields.Nested(ApiKeySchema), required=True)


# ---- grants -------------------------------------------------------------------

class GrantCreateSchema(StrictSchema):
    principal = fields.Str(
        required=True, validate=validate.Regexp(PRINCIPAL_PATTERN, error="must be user:<user id> or key:<key id>"),
    )
    role = fields.Str(required=True, validate=validate.OneOf(ROLES))
    organisation_id = fields.UUID(
        load_default=None, allow_none=True,
        metadata={"description": "the organisation subtree of the role; null: the whole platform (member: always null)"},
    )


class GrantSchema(Schema):
    id = fields.UUID(required=True)
    principal = fields.Str(required=True)
    role = fields.Str(required=True)
    role_label = fields.Method("_label", metadata={"description": "the role as the county names it"})
    organisation_id = fields.UUID(allow_none=True)
    granted_at = fields.AwareDateTime(required=True)
    granted_by = fields.Str(required=True)
    revoked_at = fields.AwareDateTime(allow_none=True)
    revoked_by = fields.Str(allow_none=True)
    status = fields.Str(required=True, metadata={
        "description": "pending: waits for a second person's approval and gives nothing yet; approved; rejected",
        "enum": list(GRANT_STATUSES),
    })
    decided_at = fields.AwareDateTime(allow_none=True)
    decided_by = fields.Str(allow_none=True, metadata={"description": "who approved or rejected it"})

    def _label(self, grant):
        return policy.ROLE_LABELS.get(grant["role"], grant["role"])


class GrantQuerySchema(PageQuerySchema):
    principal = fields.Str(validate=validate.Regexp(PRINCIPAL_PATTERN, error="must be user:<user id> or key:<key id>"))
    role = fields.Str(validate=validate.OneOf(ROLES))
    organisation_id = fields.UUID()
    status = fields.Str(validate=validate.OneOf(GRANT_STATUSES), metadata={"description": "pending: the grants awaiting approval"})
    include_revoked = fields.Bool(load_default=False, metadata={"description": "also revoked (and rejected) grants"})


class GrantPageSchema(PageSchema):
    items = fields.List(fields.Nested(GrantSchema), required=True)


# ---- audit ----------------------------------------------------------------------

class AuditQuerySchema(PageQuerySchema):
    principal = Text(validate=validate.Length(min=1, max=100), metadata={"example": "user:5f0c…"})
    action = Text(validate=validate.Length(min=1, max=60), metadata={"example": "members.export"})
    outcome = fields.Str(validate=validate.OneOf(["attempted", "succeeded", "failed", "denied"]))
    resource_id = Text(
        validate=validate.Length(min=1, max=64), metadata={"description": "records naming this resource, e.g. a member id"},
    )
    since = fields.AwareDateTime(metadata={"description": "occurred at or after (ISO 8601 with a zone)"})
    until = fields.AwareDateTime(metadata={"description": "occurred before"})


class AuditRecordSchema(Schema):
    id = fields.Int(required=True)
    occurred_at = fields.AwareDateTime(required=True)
    principal = fields.Str(required=True, metadata={"description": "user:<id>, key:<id>, cli:<os user> or anonymous"})
    action = fields.Str(required=True)
    outcome = fields.Str(required=True, metadata={"description": "attempted, succeeded, failed or denied"})
    status = fields.Int(allow_none=True, metadata={"description": "the HTTP status answered"})
    resource_type = fields.Str(allow_none=True)
    resource_ids = fields.List(fields.Str(), required=True)
    endpoint = fields.Str(allow_none=True, metadata={"example": "GET /api/v1/members/<uuid:member_id>"})
    request_id = fields.Str(allow_none=True)
    remote_addr = fields.Str(allow_none=True)
    details = fields.Dict(required=True, metadata={"description": "fields revealed, filters, row count, error code; never a personal value"})


class AuditRecordPageSchema(PageSchema):
    items = fields.List(fields.Nested(AuditRecordSchema), required=True)

