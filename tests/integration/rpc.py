"""Calling a service container's RPC entrypoints the way the gateway does: the
scope signed for the method and its arguments (``contracts.caller_context``)."""
from nameko.testing.services import entrypoint_hook

from contracts.access import unrestricted
from tests.support import signed

ADMIN = unrestricted("user:admin")


def call(container, method, *args, scope=ADMIN):
    """Call ``method(*args, <context of scope>)`` on ``container`` and return its result."""
    context = signed(container.service_name, method, args, scope)
    with entrypoint_hook(container, method) as entrypoint:
        return entrypoint(*args, context)
