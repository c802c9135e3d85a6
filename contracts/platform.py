"""The platform's services, declared once.

Everything that must know which services exist takes them from ``SERVICES``:
the start script, the gateway's readiness check, the deployment files (made by
``python -m deploy.render``), the RabbitMQ definitions, the test inventories and
the architecture contracts. Adding a service starts with one entry here.
"""
import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ServiceSpec:
    """One nameko service.

    ``name`` is the nameko service name, and so the RPC routing-key prefix, the
    events exchange ``<name>.events``, the dead-letter queue ``<name>.dead-letter``,
    the config file ``config/<name>.yml`` and the database ``<name>``.
    ``contract`` is the module in ``contracts`` that holds its RPC schemas,
    permissions and role bundles; ``contracts.<name>_events`` declares its events. ``personal_data``: the service stores
    personal data and needs the personal-data keys. ``calls``: the other services'
    methods it calls, ``{"roster": ("organisation_tree_page",)}``; a service
    accepts a call signed by another (``contracts.caller_context``) only for a
    method that the caller declares here, and never with a reveal, but for the
    personal fields declared in ``reveals`` for that one method,
    ``{"roster": {"member_contact_for_delivery": ("phone",)}}``: a trust decision
    made here, in review, not by the calling service at run time.
    """

    name: str
    contract: str
    personal_data: bool = False
    calls: dict = field(default_factory=dict, hash=False, compare=False)
    reveals: dict = field(default_factory=dict, hash=False, compare=False)

    def __post_init__(self):
        # A Python package, a Kubernetes object name (DNS label) and a queue-name
        # prefix at once: lower-case letters and digits only.
        if not re.fullmatch(r"[a-z][a-z0-9]{0,39}", self.name):
            raise ValueError(f"service name {self.name!r}: use lower-case letters and digits, starting with a letter")

    def may_call(self, service, method) -> bool:
        return method in self.calls.get(service, ())

    def may_reveal(self, service, method) -> frozenset:
        """The personal fields a call of ``service.method`` may have revealed (none unless declared)."""
        return frozenset(self.reveals.get(service, {}).get(method, ())) if self.may_call(service, method) else frozenset()

    @property
    def signing_key_variable(self) -> str:
        """The environment variable with its own Ed25519 key (``contracts.caller_context``)."""
        return f"LIUDONG_{self.name.upper()}_SIGNING_KEY"

    @property
    def module(self) -> str:
        return f"services.{self.name}.service"

    @property
    def events_module(self) -> str:
        """The module in ``contracts`` that declares the events it publishes."""
        return f"contracts.{self.name}_events"

    @property
    def config_file(self) -> str:
        return f"config/{self.name}.yml"

    @property
    def command(self) -> tuple:
        """The process that runs one instance (compose, Kubernetes, tests/e2e);
        ``scripts/start`` spells the same command on one line of its own."""
        return ("python", "-m", "services.common.run", "--config", self.config_file, self.module)

    @property
    def events_exchange(self) -> str:
        return f"{self.name}.events"

    @property
    def dead_letter_queue(self) -> str:
        return f"{self.name}.dead-letter"

    @property
    def rpc_queue(self) -> str:
        return f"rpc-{self.name}"

    @property
    def database(self) -> str:
        return self.name

    @property
    def database_url_variable(self) -> str:
        return f"LIUDONG_{self.name.upper()}_DATABASE_URL"


SERVICES = (
    ServiceSpec("roster", contract="contracts.roster", personal_data=True),
    # Keeps its own projections of roster's tree and members; asks roster for a phone number only at
    # send time (member_contact_for_delivery), never storing it.
    ServiceSpec("education", contract="contracts.education",
                calls={"roster": ("organisation_tree_page", "member_contact_for_delivery")},
                # The SMS and phone channels: the number at send time, never stored (services.education.channels).
                reveals={"roster": {"member_contact_for_delivery": ("phone",)}}),
    # Keeps its own projections of roster's tree and members; grades from its own ledger alone.
    ServiceSpec("scoring", contract="contracts.scoring", calls={"roster": ("organisation_tree_page",)}),
    # Keeps its own projections of roster's tree and members and of scoring's grades; calls no one else.
    ServiceSpec("outreach", contract="contracts.outreach", calls={"roster": ("organisation_tree_page",)}),
)


def service(name) -> ServiceSpec:
    for spec in SERVICES:
        if spec.name == name:
            return spec
    raise LookupError(f"no service named {name!r} in contracts.platform.SERVICES")


if __name__ == "__main__":  # for shell scripts: the service names, one per line
    print("\n".join(spec.name for spec in SERVICES))
