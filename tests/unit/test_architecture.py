"""The layering rules of DESIGN.md §3, enforced by import-linter (pyproject.toml).

The contracts name services by wildcard, so that a new service is covered without
an edit. The tests below prove it: they run the real contracts from pyproject.toml
on a small package tree in a temporary directory holding a service that does not
exist here (``services.newthing``), once clean and once per kind of violation, and
expect exactly the contract that should catch it to break.
"""
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = str(Path(sys.executable).with_name("lint-imports"))
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
NAMES = {contract["id"]: contract["name"] for contract in CONFIG["contracts"]}

# A platform in miniature that keeps every rule: two services, each with a pure
# domain that uses its contract, both using the kernel; a gateway on contracts and
# persistence.
CLEAN_TREE = {
    "contracts/__init__.py": "",
    "contracts/errors.py": "import nameko.exceptions\n",  # as the real one: the error codes' wire format
    "contracts/roster.py": "",
    "contracts/newthing.py": "from contracts import roster\n",
    "persistence/__init__.py": "import sqlalchemy\n",
    "services/__init__.py": "",
    "services/common/__init__.py": "",
    "services/common/db.py": "import sqlalchemy\nimport persistence\nimport contracts\n",
    "services/roster/__init__.py": "",
    "services/roster/domain/__init__.py": "from contracts import roster\n",
    "services/roster/service.py": "import nameko\nfrom services.common import db\nfrom services.roster import domain\n",
    "services/newthing/__init__.py": "",
    "services/newthing/domain/__init__.py": "from contracts import errors, newthing\n",
    "services/newthing/models.py": "import sqlalchemy\n",
    "services/newthing/service.py": (
        "import nameko\nimport services.common\nfrom services.common import db\n"
        "from services.newthing import domain, models\n"
    ),
    "gateway/__init__.py": "import flask\nfrom contracts import roster, newthing\nimport persistence\n",
}

VIOLATIONS = [
    pytest.param("services-independent", "services/newthing/usecases.py", "from services.roster import domain\n",
                 id="a new service imports another"),
    pytest.param("services-independent", "services/roster/usecases.py", "import services.newthing.service\n",
                 id="a service imports the new one"),
    pytest.param("services-independent", "services/common/registry.py", "from services.newthing import service\n",
                 id="the kernel imports a service"),
    *(pytest.param("domains-pure", "services/newthing/domain/rules.py", f"import {module}\n",
                   id=f"a new domain imports {module}")
      for module in ("nameko", "sqlalchemy", "kombu", "eventlet", "flask", "services.common.db")),
    *(pytest.param("domains-pure", "services/newthing/domain/rules.py", f"from services.newthing import {module}\n",
                   id=f"a new domain imports its own {module}")
      for module in ("models", "service")),
    pytest.param("gateway-no-services", "gateway/newthing.py", "from services.newthing import domain\n",
                 id="the gateway imports a new service"),
    pytest.param("gateway-no-services", "gateway/kernel.py", "from services.common import db\n",
                 id="the gateway imports the kernel"),
    pytest.param("persistence-below-everything", "persistence/hooks.py", "import services.newthing\n",
                 id="persistence imports a service"),
    pytest.param("contracts-independent", "contracts/newthing_events.py", "from services.newthing import domain\n",
                 id="a contract imports its service"),
    pytest.param("contracts-independent", "contracts/errors.py", "import gateway\n",
                 id="a contract imports the gateway"),
    pytest.param("contracts-independent", "contracts/tables.py", "import persistence\n",
                 id="a contract imports persistence"),
]


def lint(directory, config):
    """lint-imports on ``directory``'s packages: (exit code, {contract name: KEPT or BROKEN}, output)."""
    env = {**os.environ, "PYTHONPATH": str(directory)}
    result = subprocess.run([LINT_IMPORTS, str(config), "--no-cache"], cwd=directory, env=env,
                            capture_output=True, text=True, timeout=120)
    output = result.stdout + result.stderr
    verdicts = dict(re.findall(r"^(.+?) ?(KEPT|BROKEN)\b", result.stdout, re.MULTILINE))
    return result.returncode, {name.strip(): verdict for name, verdict in verdicts.items()}, output


def write_tree(directory, files):
    for path, text in files.items():
        target = directory / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)


@pytest.fixture
def tree(tmp_path):
    """The clean platform in miniature, with pyproject.toml's own [tool.importlinter] section."""
    write_tree(tmp_path, CLEAN_TREE)
    text = (ROOT / "pyproject.toml").read_text()
    start = text.index("[tool.importlinter]")
    # The section runs to the next table that is not one of its contracts.
    rest = re.search(r"^\[(?!\[?tool\.importlinter)", text[start + 1:], re.MULTILINE)
    section = text[start:start + 1 + rest.start()] if rest else text[start:]
    (tmp_path / "pyproject.toml").write_text(section)
    return tmp_path


def test_import_contracts_hold():
    code, verdicts, output = lint(ROOT, ROOT / "pyproject.toml")
    assert code == 0, output
    assert "0 broken" in output
    assert set(verdicts) == set(NAMES.values()) and set(verdicts.values()) == {"KEPT"}, output


def test_no_contract_names_a_service():
    """Wildcards only: a contract that lists services by name misses the next one."""
    for contract in CONFIG["contracts"]:
        for key in ("modules", "source_modules", "forbidden_modules", "layers", "containers"):
            for module in contract.get(key, []):
                assert not re.match(r"services\.(?!common\b|\*)", module), (contract["name"], module)


def test_the_clean_miniature_keeps_every_contract(tree):
    code, verdicts, output = lint(tree, tree / "pyproject.toml")
    assert code == 0, output
    assert set(verdicts) == set(NAMES.values()) and set(verdicts.values()) == {"KEPT"}, output


@pytest.mark.parametrize(("contract", "path", "source"), VIOLATIONS)
def test_each_contract_catches_its_violation_in_a_new_service(tree, contract, path, source):
    target = tree / path
    write_tree(tree, {path: (target.read_text() if target.exists() else "") + source})

    code, verdicts, output = lint(tree, tree / "pyproject.toml")

    assert code != 0, output
    broken = {name for name, verdict in verdicts.items() if verdict == "BROKEN"}
    assert broken == {NAMES[contract]}, output
