"""Calls from one service to another under the calling service's own identity.

A service that asks another for something at the moment it needs it (education
asking roster for a phone number at send time) declares the method in
``contracts.platform`` and calls it through :class:`ServiceCalls`: each call
carries a context signed with the service's ``CALLER_SIGNING_KEY`` (issuer
``service:<name>``), a scope of its own choosing (``unrestricted`` with what it
needs revealed), and a timeout, so that a peer that is down fails the call
fast instead of holding the worker. ``services.common.tree`` copies the
organisation tree the same way.
"""
from nameko.exceptions import RpcTimeout
from nameko.extensions import DependencyProvider

from contracts import caller_context
from contracts.access import unrestricted
from services.common.tree import ServiceRpcProxy

DEFAULT_TIMEOUT = 5.0


class PeerUnavailable(Exception):
    """The other service did not answer in time (or the broker is away)."""


class ServiceCalls(DependencyProvider):
    """``self.<name>.call(service, method, *args, reveal=())`` from an entrypoint.

    ``timeout_setting``: the config key holding the seconds a call may take."""

    def __init__(self, timeout_setting, default_timeout=DEFAULT_TIMEOUT):
        self.timeout_setting = timeout_setting
        self.default_timeout = default_timeout

    def setup(self):
        self.timeout = float(self.container.config.get(self.timeout_setting) or self.default_timeout)
        name = self.container.service_name
        self.principal = f"service:{name}"
        self.signer = caller_context.Signer.from_text(
            caller_context.service_issuer(name), self.container.config.get(caller_context.SIGNING_KEY_SETTING),
            f"{caller_context.SIGNING_KEY_SETTING} (from {caller_context.service_key_env(name)})", self.timeout,
        )

    def call(self, service, method, *args, reveal=()):
        context = self.signer.sign(service, method, list(args), unrestricted(self.principal, reveal=reveal))
        try:
            with ServiceRpcProxy(self.container.service_name, self.container.config, timeout=self.timeout) as cluster:
                return getattr(cluster[service], method)(*args, context)
        except (RpcTimeout, OSError) as exc:
            raise PeerUnavailable(f"{service}.{method} did not answer within {self.timeout:g} s ({exc!r})") from exc

    def get_dependency(self, worker_ctx):
        return self
