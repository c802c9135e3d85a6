"""Stand-ins for the platform's services that only answer the readiness ping, for
the gateway's broker tests: one class per service of ``contracts.platform.SERVICES``.

Run by the tests as ``nameko run roster_stub`` from this folder.
"""
from nameko.rpc import rpc

from contracts.platform import SERVICES


@rpc
def ping(self):
    return {"status": "ok"}


# nameko run takes every class of the module with a name: one per service, none besides.
for _spec in SERVICES:
    globals()[f"{_spec.name.capitalize()}Stub"] = type(f"{_spec.name.capitalize()}Stub", (), {"name": _spec.name, "ping": ping})
