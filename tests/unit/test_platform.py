"""contracts.platform.SERVICES: the one list of services, and what follows from each entry."""
import importlib
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from contracts.platform import SERVICES, ServiceSpec, service

ROOT = Path(__file__).resolve().parents[2]


def test_names_are_unique():
    names = [spec.name for spec in SERVICES]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("spec", SERVICES, ids=lambda spec: spec.name)
def test_each_service_has_its_folder_config_and_contract(spec):
    assert (ROOT / "services" / spec.name / "service.py").is_file()
    assert (ROOT / spec.config_file).is_file()
    contract = importlib.import_module(spec.contract)
    assert contract.SERVICE_NAME == spec.name
    assert importlib.import_module(spec.events_module).SOURCE == spec.name
    assert service(spec.name) is spec


def test_the_module_prints_the_names_for_shell_scripts():
    result = subprocess.run([sys.executable, "-m", "contracts.platform"], cwd=ROOT, capture_output=True, text=True,
                            check=True)
    assert result.stdout.split() == [spec.name for spec in SERVICES]


def test_scripts_start_runs_a_service_with_its_declared_command():
    """The start script spells the command once (run_service); it must say what ServiceSpec.command says."""
    (line,) = [line for line in (ROOT / "scripts/start").read_text().splitlines() if line.startswith("run_service()")]
    body = re.fullmatch(r"run_service\(\) \{ (?:exec )?(.+?); \}", line).group(1)
    for spec in SERVICES:
        words = [word.replace("$1", spec.name) for word in shlex.split(body)]
        program, *args = spec.command
        assert Path(words[0]).name == program and words[1:] == list(args), (words, spec.command)


@pytest.mark.parametrize("name", ["Roster", "roster_v2", "road-map", "", "1st", "x" * 41])
def test_a_name_that_cannot_name_a_package_queue_and_kubernetes_object_is_refused(name):
    with pytest.raises(ValueError):
        ServiceSpec(name, contract="contracts.x")


def test_an_unknown_service_is_a_lookup_error():
    with pytest.raises(LookupError):
        service("nobody")


def test_a_service_may_have_revealed_only_what_the_platform_declares_for_one_method():
    from contracts.platform import service

    education = service("education")
    assert education.may_reveal("roster", "member_contact_for_delivery") == {"phone"}
    assert education.may_reveal("roster", "organisation_tree_page") == frozenset()
    assert education.may_reveal("roster", "get_member") == frozenset()  # not even declared as a call
