"""The deployment files come from contracts.platform.SERVICES (deploy/render.py)."""
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from contracts.platform import SERVICES, ServiceSpec
from deploy import render
from services.common import messaging

ROOT = Path(__file__).resolve().parents[2]
EDUCATION = ServiceSpec("education", contract="contracts.education")
WITH_EDUCATION = (*SERVICES, EDUCATION)
SECRETS = {
    "LIUDONG_PERSONAL_DATA_KEYS": "placeholder", "LIUDONG_PERSONAL_DATA_INDEX_KEY": "placeholder",
    "LIUDONG_TOKEN_SECRET": "placeholder",
}
DOCKER_COMPOSE = shutil.which("docker-compose")


def test_the_committed_files_are_what_the_renderer_writes():
    assert render.differences() == [], "deployment files are out of date: run python -m deploy.render"


def test_the_check_mode_names_a_file_that_was_not_re_rendered(tmp_path):
    for path in (*render.render(), render.CREATE_DATABASES):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / path, tmp_path / path)
    assert render.differences(root=tmp_path) == []

    assert render.differences(root=tmp_path, services=WITH_EDUCATION) == [
        Path("docker-compose.yml"), Path("deploy/k8s/kustomization.yaml"), Path("deploy/k8s/secret.example.yaml"),
        Path("deploy/k8s/postgres.yaml"), Path("deploy/rabbitmq/definitions.json"), Path("deploy/k8s/education.yaml"),
    ]
    # A service dropped from the list leaves its rendered file behind: stale.
    (tmp_path / "deploy/k8s/education.yaml").write_text(render.k8s_service(EDUCATION))
    assert render.differences(root=tmp_path) == [Path("deploy/k8s/education.yaml")]


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
    files = render.render(WITH_EDUCATION)

    compose = yaml.safe_load(files[Path("docker-compose.yml")])
    education = compose["services"]["education"]
    assert education["command"] == ["python", "-m", "services.common.run", "--config", "config/education.yml",
                                    "services.education.service"]
    assert education["environment"]["LIUDONG_EDUCATION_DATABASE_URL"].endswith("@postgres:5432/education")
    assert "LIUDONG_PERSONAL_DATA_KEYS" not in education["environment"]  # only services that keep personal data
    assert "LIUDONG_PERSONAL_DATA_KEYS" in compose["services"]["roster"]["environment"]
    assert education["healthcheck"]["test"][-1] == "rpc-education"
    assert set(compose["services"]["gateway"]["depends_on"]) == {"rabbitmq", "postgres", "roster", "education"}
    assert compose["services"]["postgres"]["environment"]["LIUDONG_DATABASES"].split() == ["roster", "education", "gateway"]

    documents = list(yaml.safe_load_all(files[Path("deploy/k8s/education.yaml")]))
    assert [d["kind"] for d in documents] == ["Deployment", "ScaledObject", "Exchange", "Queue", "Binding", "Policy"]
    (container,) = documents[0]["spec"]["template"]["spec"]["containers"]
    assert container["command"] == education["command"]
    assert [e["name"] for e in container["env"]] == ["LIUDONG_AMQP_URI", "LIUDONG_EDUCATION_DATABASE_URL"]
    assert documents[1]["spec"]["triggers"][0]["metadata"]["queueName"] == "rpc-education"
    assert documents[3]["spec"] | {"rabbitmqClusterReference": None} == {
        "name": "education.dead-letter", "type": "quorum", "durable": True, "autoDelete": False,
        "rabbitmqClusterReference": None,
    }
    assert documents[5]["spec"]["pattern"] == r"^evt-.+--education\.[^.]+$"
    assert "education.yaml" in yaml.safe_load(files[Path("deploy/k8s/kustomization.yaml")])["resources"]
    secret = yaml.safe_load(files[Path("deploy/k8s/secret.example.yaml")])["stringData"]
    assert secret["LIUDONG_EDUCATION_DATABASE_URL"].endswith("@postgres:5432/education")
    statefulset = list(yaml.safe_load_all(files[Path("deploy/k8s/postgres.yaml")]))[2]
    (env,) = [e for e in statefulset["spec"]["template"]["spec"]["containers"][0]["env"] if e["name"] == "LIUDONG_DATABASES"]
    assert env["value"].split() == ["roster", "education", "gateway"]

    definitions = json.loads(files[Path("deploy/rabbitmq/definitions.json")])
    assert {"education.events", "roster.events"} <= {e["name"] for e in definitions["exchanges"]}
    assert {"name": "education.dead-letter", "vhost": "liudong", "durable": True, "auto_delete": False,
            "arguments": {"x-queue-type": "quorum"}} in definitions["queues"]


def test_the_postgres_configmap_carries_the_init_script_as_it_is():
    documents = list(yaml.safe_load_all((ROOT / "deploy/k8s/postgres.yaml").read_text()))
    assert documents[0]["data"]["10-create-databases.sh"] == (ROOT / render.CREATE_DATABASES).read_text()


@pytest.mark.skipif(DOCKER_COMPOSE is None, reason="docker-compose is not installed")
@pytest.mark.parametrize("services", [SERVICES, WITH_EDUCATION], ids=["committed", "with-education"])
def test_docker_compose_accepts_the_file(tmp_path, services):
    compose_file = ROOT / "docker-compose.yml"
    if services is not SERVICES:
        compose_file = tmp_path / "docker-compose.yml"
        compose_file.write_text(render.compose(services))
    env = {key: value for key, value in os.environ.items() if not key.startswith("LIUDONG_")}

    def config(extra):
        return subprocess.run([DOCKER_COMPOSE, "-f", str(compose_file), "config", "-q"], cwd=compose_file.parent,
                              env={**env, **extra}, capture_output=True, text=True, timeout=60)

    result = config(SECRETS)
    assert result.returncode == 0, result.stderr
    # The secrets have no defaults: without them compose refuses.
    for name in SECRETS:
        refused = config({key: value for key, value in SECRETS.items() if key != name})
        assert refused.returncode != 0 and name in refused.stderr, (name, refused.stderr)
