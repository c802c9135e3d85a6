"""Turning roster objects into the JSON results of the RPC contract."""
from contracts.roster import (
    ORGANISATION_KINDS,
    DepartureSchema,
    MemberPageSchema,
    MemberSchema,
    OrganisationPageSchema,
    OrganisationSchema,
    OrganisationTreeSchema,
)

_DEPARTURE_FIELDS = (
    "id", "member_id", "reported", "departed_on", "destination_province", "destination_city",
    "destination_address", "work", "expected_return_on", "contact", "returned_on", "reported_at",
    "returned_reported_at",
)
_MEMBER_FIELDS = (
    "id", "name", "gender", "birth_date", "id_number", "phone", "joined_on", "membership",
    "organisation_id", "status", "registered_at",
)
_ORGANISATION_FIELDS = ("id", "name", "kind", "parent_id", "location", "depth", "created_at")


def _organisation_view(organisation):
    view = {name: getattr(organisation, name) for name in _ORGANISATION_FIELDS}
    view["kind_label"] = ORGANISATION_KINDS[organisation.kind]
    return view


def _departure_view(departure):
    return {name: getattr(departure, name) for name in _DEPARTURE_FIELDS}


def _member_view(member):
    view = {name: getattr(member, name) for name in _MEMBER_FIELDS}
    view["current_departure"] = _departure_view(member.current_departure) if member.current_departure else None
    return view


def dump_organisation(organisation):
    return OrganisationSchema().dump(_organisation_view(organisation))


def _page(schema, view, items, total, query):
    return schema.dump({"items": [view(item) for item in items], "total": total,
                        "page": query["page"], "per_page": query["per_page"]})


def dump_organisation_page(items, total, query):
    return _page(OrganisationPageSchema(), _organisation_view, items, total, query)


def dump_subtree(nodes):
    """Nest a flat, parents-first list of nodes under its first node."""
    views = {}
    for node in nodes:
        views[node.id] = {**_organisation_view(node), "children": []}
        if node.parent_id in views:
            views[node.parent_id]["children"].append(views[node.id])
    return OrganisationTreeSchema().dump(views[nodes[0].id])


def dump_member(member):
    return MemberSchema().dump(_member_view(member))


def dump_member_page(items, total, query):
    return _page(MemberPageSchema(), _member_view, items, total, query)


def dump_departure(departure):
    return DepartureSchema().dump(_departure_view(departure))
