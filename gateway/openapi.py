"""How the OpenAPI document renders what apispec renders awkwardly for integrators' code generators."""
from apispec.ext.marshmallow import MarshmallowPlugin as _MarshmallowPlugin
from apispec.ext.marshmallow import OpenAPIConverter


class Converter(OpenAPIConverter):
    def field2nullable(self, field, ret):
        # apispec renders a nullable reference in OpenAPI 3.0 as anyOf an empty
        # object and the reference, which generators turn into a union type of
        # their own making; allOf [ref] + nullable is the reference made nullable.
        if field.allow_none and "$ref" in ret and self.openapi_version.major == 3 and self.openapi_version.minor == 0:
            return {"allOf": [{"$ref": ret.pop("$ref")}], "nullable": True}
        return super().field2nullable(field, ret)


class MarshmallowPlugin(_MarshmallowPlugin):
    Converter = Converter
