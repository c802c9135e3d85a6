"""The deployment files come from contracts.platform.SERVICES (deploy/render.py)."""
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from contracts.platform import SERVICES, ServiceSpec
from deploy import broker, passwords, render
from services.common import messaging

ROOT = Path(__file__).resolve().parents[2]
REGISTRY = ServiceSpec("registry", contract="contracts.registry")
WITH_REGISTRY = (*SERVICES, REGISTRY)


def secrets_for(services):
    """Every variable compose requires (none has a default)."""
    names = [
        "LIUDONG_PERSONAL_DATA_KEYS", "LIUDONG_PERSONAL_DATA_INDEX_KEY", "LIUDONG_TOKEN_SECRET",
        "LIUDONG_TRUSTED_CALLER_KEYS", "LIUDONG_GATEWAY_SIGNING_KEY",
        *(render.signing_key_variable(spec) for spec in services), *passwords.variables(services),
    ]
    return {name: "placeholder" for name in names}


SECRETS = secrets_for(SERVICES)
DOCKER_COMPOSE = shutil.which("docker-compose")


def test_the_committed_files_are_what_the_renderer_writes():
    assert render.differences() == [], "deployment files are out of date: run python -m deploy.render"


def test_the_check_mode_names_a_file_that_was_not_re_rendered(tmp_path):
    for path in (*render.render(), render.CREATE_DATABASES):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / path, tmp_path / path)
    assert render.differences(root=tmp_path) == []

    assert render.differences(root=tmp_path, services=WITH_REGISTRY) == [
        Path("docker-compose.yml"), Path("deploy/k8s/kustomization.yaml"), Path("deploy/k8s/secret.example.yaml"),
        Path("deploy/k8s/postgres.yaml"), Path("deploy/k8s/broker-users.yaml"), Path("deploy/rabbitmq/definitions.json"),
        Path("deploy/k8s/registry.yaml"),
    ]
    # A service dropped from the list leaves its rendered file behind: stale.
    (tmp_path / "deploy/k8s/registry.yaml").write_text(render.k8s_service(REGISTRY))
    assert render.differences(root=tmp_path) == [Path("deploy/k8s/registry.yaml")]


def test_the_rabbitmq_definitions_declare_what_the_code_declares():
    definitions = json.loads((ROOT / "deploy/rabbitmq/definitions.json").read_text())
    exchanges = {exchange["name"]: exchange for exchange in definitions["exchanges"]}
    queues = {queue["name"]: queue for queue in definitions["queues"]}
    bindings = {(b["source"], b["destination"]): b for b in definitions["bindings"]}
    assert exchanges[messaging.DEAD_LETTER_EXCHANGE.name]["type"] == messaging.DEAD_LETTER_EXCHANGE.type
    for spec in SERVICES:
        assert exchanges[f"{spec.name}.events"]["type"] == "topic"
        queue = messaging.dead_letter_queue(spec.name)
        # RabbitMQ refuses a redeclaration with other arguments (PRECONDITION_FAILED).
        assert queues[queue.name]["arguments"] == queue.queue_arguments
        assert queues[queue.name]["durable"] is True
        assert bindings[(queue.exchange.name, queue.name)]["routing_key"] == spec.name
        (policy,) = [p for p in definitions["policies"] if p["name"] == f"{spec.name}-evt-dead-letter"]
        assert policy["definition"] == {"dead-letter-exchange": "liudong.dead-letter", "dead-letter-routing-key": spec.name}


def test_a_new_service_gets_every_part_of_every_file():
    files = render.render(WITH_REGISTRY)

    compose = yaml.safe_load(files[Path("docker-compose.yml")])
    registry = compose["services"]["registry"]
    assert registry["command"] == ["python", "-m", "services.common.run", "--config", "config/registry.yml",
                                    "services.registry.service"]
    assert registry["environment"]["LIUDONG_REGISTRY_DATABASE_URL"].endswith("@postgres:5432/registry")
    assert "LIUDONG_PERSONAL_DATA_KEYS" not in registry["environment"]  # only services that keep personal data
    assert "LIUDONG_PERSONAL_DATA_KEYS" in compose["services"]["roster"]["environment"]
    assert registry["healthcheck"]["test"][-2:] == ["rpc-registry", "LIUDONG_REGISTRY_AMQP_URI"]
    assert registry["environment"]["LIUDONG_REGISTRY_AMQP_URI"] == (
        "amqp://liudong-registry:${LIUDONG_REGISTRY_AMQP_PASSWORD:?run python -m deploy.passwords}@rabbitmq:5672/liudong")
    assert set(compose["services"]["gateway"]["depends_on"]) == {"rabbitmq", "postgres", "redis", "roster", "education", "scoring", "outreach", "registry"}
    assert compose["services"]["postgres"]["environment"]["LIUDONG_DATABASES"].split() == ["roster", "education", "scoring", "outreach", "registry", "gateway"]

    documents = list(yaml.safe_load_all(files[Path("deploy/k8s/registry.yaml")]))
    assert [d["kind"] for d in documents] == ["Deployment", "ScaledObject", "Exchange", "Queue", "Binding", "Policy"]
    (container,) = documents[0]["spec"]["template"]["spec"]["containers"]
    assert container["command"] == registry["command"]
    assert [e["name"] for e in container["env"]] == [
        "LIUDONG_REGISTRY_AMQP_PASSWORD", "LIUDONG_REGISTRY_AMQP_URI", "LIUDONG_REGISTRY_DATABASE_URL",
        "LIUDONG_REGISTRY_SIGNING_KEY", "LIUDONG_TRUSTED_CALLER_KEYS"]
    assert container["env"][0]["valueFrom"]["secretKeyRef"] == {"name": "liudong-broker-registry", "key": "password"}
    assert container["env"][1]["value"] == (
        "amqp://liudong-registry:$(LIUDONG_REGISTRY_AMQP_PASSWORD)@liudong-rabbitmq:5672/liudong")
    assert documents[1]["spec"]["triggers"][0]["metadata"]["queueName"] == "rpc-registry"
    assert documents[3]["spec"] | {"rabbitmqClusterReference": None} == {
        "name": "registry.dead-letter", "type": "quorum", "durable": True, "autoDelete": False, "vhost": "liudong",
        "rabbitmqClusterReference": None,
    }
    assert documents[5]["spec"]["pattern"] == r"^evt-.+--registry\.[^.]+$"
    assert "registry.yaml" in yaml.safe_load(files[Path("deploy/k8s/kustomization.yaml")])["resources"]
    secret = next(yaml.safe_load_all(files[Path("deploy/k8s/secret.example.yaml")]))["stringData"]
    assert secret["LIUDONG_REGISTRY_DATABASE_URL"].endswith("@postgres:5432/registry")
    statefulset = list(yaml.safe_load_all(files[Path("deploy/k8s/postgres.yaml")]))[2]
    (env,) = [e for e in statefulset["spec"]["template"]["spec"]["containers"][0]["env"] if e["name"] == "LIUDONG_DATABASES"]
    assert env["value"].split() == ["roster", "education", "scoring", "outreach", "registry", "gateway"]

    definitions = json.loads(files[Path("deploy/rabbitmq/definitions.json")])
    assert {"registry.events", "education.events", "roster.events"} <= {e["name"] for e in definitions["exchanges"]}
    assert {"name": "registry.dead-letter", "vhost": "liudong", "durable": True, "auto_delete": False,
            "arguments": {"x-queue-type": "quorum"}} in definitions["queues"]


def test_the_postgres_configmap_carries_the_init_script_as_it_is():
    documents = list(yaml.safe_load_all((ROOT / "deploy/k8s/postgres.yaml").read_text()))
    assert documents[0]["data"]["10-create-databases.sh"] == (ROOT / render.CREATE_DATABASES).read_text()


@pytest.mark.skipif(DOCKER_COMPOSE is None, reason="docker-compose is not installed")
@pytest.mark.parametrize("services", [SERVICES, WITH_REGISTRY], ids=["committed", "with-registry"])
def test_docker_compose_accepts_the_file(tmp_path, services):
    compose_file = ROOT / "docker-compose.yml"
    if services is not SERVICES:
        compose_file = tmp_path / "docker-compose.yml"
        compose_file.write_text(render.compose(services))
    env = {key: value for key, value in os.environ.items() if not key.startswith("LIUDONG_")}

    def config(extra):
        return subprocess.run([DOCKER_COMPOSE, "-f", str(compose_file), "config", "-q"], cwd=compose_file.parent,
                              env={**env, **extra}, capture_output=True, text=True, timeout=60)

    required = secrets_for(services)
    result = config(required)
    assert result.returncode == 0, result.stderr
    # The secrets have no defaults: without them compose refuses (with-registry: its own ones).
    for name in (required if services is SERVICES else [n for n in required if "REGISTRY" in n]):
        refused = config({key: value for key, value in required.items() if key != name})
        assert refused.returncode != 0 and name in refused.stderr, (name, refused.stderr)


def test_the_broker_users_are_the_builders_everywhere_and_only_the_operator_administers():
    users = broker.users()
    definitions = json.loads((ROOT / "deploy/rabbitmq/definitions.json").read_text())
    assert definitions["vhosts"] == [{"name": "liudong"}]
    # No password, not even a hash, in the repository: add_passwords.py fills them in at start.
    assert {user["name"]: (user["tags"], user["password_hash"]) for user in definitions["users"]} == {
        user.name: (list(user.tags), "") for user in users}
    assert [user["name"] for user in definitions["users"] if "administrator" in user["tags"]] == ["liudong-operator"]
    assert {p["user"]: {k: p[k] for k in ("configure", "write", "read")} for p in definitions["permissions"]} == {
        user.name: user.permissions() for user in users}
    assert all(p["vhost"] == "liudong" for p in definitions["permissions"] + definitions["topic_permissions"])
    assert {e["vhost"] for e in definitions["exchanges"] + definitions["queues"]} == {"liudong"}

    documents = list(yaml.safe_load_all((ROOT / "deploy/k8s/broker-users.yaml").read_text()))
    k8s_users = {d["metadata"]["name"]: d["spec"] for d in documents if d["kind"] == "User"}
    assert {name: spec["tags"] for name, spec in k8s_users.items()} == {
        f"liudong-broker-{user.role}": list(user.tags) for user in users}
    permissions = {d["spec"]["userReference"]["name"]: d["spec"]["permissions"] for d in documents if d["kind"] == "Permission"}
    assert permissions == {f"liudong-broker-{user.role}": user.permissions() for user in users}
    topics = [(d["spec"]["userReference"]["name"], d["spec"]["permissions"]) for d in documents if d["kind"] == "TopicPermission"]
    assert topics == [(f"liudong-broker-{user.role}", {"exchange": exchange, **patterns})
                      for user in users for exchange, patterns in user.topic.items()]
    secrets = {d["metadata"]["name"]: d["stringData"] for d in yaml.safe_load_all(
        (ROOT / "deploy/k8s/secret.example.yaml").read_text())}
    for user in users:
        assert secrets[f"liudong-broker-{user.role}"] == {"username": user.name, "password": "CHANGE-ME"}


def test_compose_publishes_no_port_but_the_gateways_and_every_component_has_its_own_credentials():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert [name for name, service in compose["services"].items() if "ports" in service] == ["gateway"]
    gateway = compose["services"]["gateway"]["environment"]
    assert gateway["LIUDONG_AMQP_URI"].startswith("amqp://liudong-gateway:${LIUDONG_GATEWAY_AMQP_PASSWORD:?")
    assert gateway["LIUDONG_GATEWAY_DATABASE_URL"].startswith("postgresql://gateway:${")
    assert gateway["LIUDONG_GATEWAY_MIGRATION_DATABASE_URL"].startswith("postgresql://gateway_owner:${")
    assert gateway["LIUDONG_RATE_LIMIT_STORAGE"] == "redis://redis:6379/0"
    assert gateway["LIUDONG_TRUSTED_PROXY_HOPS"] == "0"
    for spec in SERVICES:
        environment = compose["services"][spec.name]["environment"]
        assert environment[spec.database_url_variable].startswith(f"postgresql://{spec.name}:${{")
        assert f"LIUDONG_{spec.name.upper()}_SIGNING_KEY" in environment
        assert "LIUDONG_AMQP_URI" not in environment  # the gateway's
    postgres = compose["services"]["postgres"]["environment"]
    assert postgres["LIUDONG_DATABASE_ROLES"].split() == [
        *(f"{spec.name}@{spec.database}" for spec in SERVICES), "gateway_owner@gateway", "gateway@gateway"]


def test_kubernetes_runs_the_gateway_behind_one_proxy_with_a_shared_limiter():
    deployment = next(yaml.safe_load_all((ROOT / "deploy/k8s/gateway.yaml").read_text()))
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e for e in container["env"]}
    assert env["LIUDONG_TRUSTED_PROXY_HOPS"]["value"] == "1"
    assert env["LIUDONG_RATE_LIMIT_STORAGE"]["value"] == "redis://redis:6379/0"
    assert env["LIUDONG_AMQP_URI"]["value"] == (
        "amqp://liudong-gateway:$(LIUDONG_GATEWAY_AMQP_PASSWORD)@liudong-rabbitmq:5672/liudong")
    # $(VAR) expands only variables defined before it.
    assert list(env).index("LIUDONG_GATEWAY_AMQP_PASSWORD") < list(env).index("LIUDONG_AMQP_URI")
    assert "redis.yaml" in yaml.safe_load((ROOT / "deploy/k8s/kustomization.yaml").read_text())["resources"]
