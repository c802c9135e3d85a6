"""Calling a service container's RPC entrypoints the way the gateway does."""
from nameko.testing.services import entrypoint_hook

from contracts.access import unrestricted

ADMIN = unrestricted("user:admin")


def call(container, method, *args, scope=ADMIN):
    """Call ``method(*args, scope)`` on ``container`` and return its result."""
    with entrypoint_hook(container, method) as entrypoint:
        return entrypoint(*args, scope)
