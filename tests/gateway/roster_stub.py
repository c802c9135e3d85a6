"""A stand-in "roster" that only answers the readiness ping, for the gateway's broker tests.

Run by the tests as ``nameko run roster_stub`` from this folder.
"""
from nameko.rpc import rpc


class RosterStub:
    name = "roster"

    @rpc
    def ping(self):
        return {"status": "ok"}
