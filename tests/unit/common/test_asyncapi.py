"""The AsyncAPI document describes exactly the event catalogue producers validate against."""
from contracts import asyncapi
from contracts.events import CATALOGUE, EnvelopeSchema


def test_every_catalogued_event_has_a_channel_and_a_message():
    document = asyncapi.document()
    assert document["asyncapi"] == "2.6.0"
    for (source, event_type, version), schema in CATALOGUE.items():
        channel = document["channels"][f"{source}.events/{event_type}"]
        assert channel["bindings"]["amqp"]["exchange"]["name"] == f"{source}.events"
        ref = f"#/components/messages/{source}.{event_type}.v{version}"
        assert {"$ref": ref} in channel["subscribe"]["message"]["oneOf"]
        payload = document["components"]["messages"][f"{source}.{event_type}.v{version}"]["payload"]
        assert set(payload["required"]) == {name for name, f in EnvelopeSchema().fields.items() if f.required}
        data = payload["properties"]["data"]
        assert set(data["properties"]) == set(schema().fields)
        assert set(data["required"]) == {name for name, f in schema().fields.items() if f.required}
    assert len(document["components"]["messages"]) == len(CATALOGUE)


def test_no_event_carries_personal_data():
    document = asyncapi.document()
    for message in document["components"]["messages"].values():
        assert not {"id_number", "phone", "contact", "destination_address"} & set(message["payload"]["properties"]["data"]["properties"])
