"""The event catalogue as an AsyncAPI 2.6 document, generated from the same
marshmallow schemas the producers validate against, so it cannot drift.

Served by the gateway at ``/api/v1/asyncapi.json``; also
``python -m contracts.asyncapi`` prints it.
"""
import json

from apispec.ext.marshmallow.openapi import OpenAPIConverter

from contracts.events import CATALOGUE, EnvelopeSchema

ASYNCAPI_VERSION = "2.6.0"


def _json_schema(schema):
    converter = OpenAPIConverter(openapi_version="3.0.3", schema_name_resolver=lambda _schema: None, spec=None)
    return converter.schema2jsonschema(schema)


def document(amqp_url="amqp://localhost:5672/"):
    envelope = _json_schema(EnvelopeSchema)
    messages, channels = {}, {}
    for (source, event_type, version), schema in sorted(CATALOGUE.items()):
        name = f"{source}.{event_type}.v{version}"
        payload = {**envelope, "properties": {
            **envelope["properties"],
            "event_type": {"type": "string", "enum": [event_type]},
            "version": {"type": "integer", "enum": [version]},
            "source": {"type": "string", "enum": [source]},
            "data": _json_schema(schema),
        }}
        messages[name] = {
            "name": event_type,
            "title": f"{event_type} v{version}",
            "summary": (schema.__doc__ or "").strip(),
            "contentType": "application/json",
            "payload": payload,
            "bindings": {"amqp": {"deliveryMode": 2, "bindingVersion": "0.2.0"}},
        }
        channel = channels.setdefault(f"{source}.events/{event_type}", {
            "description": (f"Topic exchange `{source}.events`, routing key `{event_type}`. At least once: "
                            "deduplicate by event_id. Bind your own durable queue."),
            "subscribe": {"operationId": f"on_{source}_{event_type}", "message": {"oneOf": []}},
            "bindings": {"amqp": {
                "is": "routingKey",
                "exchange": {"name": f"{source}.events", "type": "topic", "durable": True, "autoDelete": False},
                "bindingVersion": "0.2.0",
            }},
        })
        channel["subscribe"]["message"]["oneOf"].append({"$ref": f"#/components/messages/{name}"})
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": "liudong events",
            "version": "1",
            "description": ("Facts about one member or one organisation, as envelopes {event_id, event_type, "
                            "version, occurred_at, source, data}. A change that could break a consumer is a "
                            "new version. Data carries ids, never ID numbers, phone numbers or contacts."),
        },
        "servers": {"broker": {"url": amqp_url, "protocol": "amqp", "protocolVersion": "0.9.1"}},
        "defaultContentType": "application/json",
        "channels": channels,
        "components": {"messages": messages},
    }


if __name__ == "__main__":
    print(json.dumps(document(), ensure_ascii=False, indent=2))
