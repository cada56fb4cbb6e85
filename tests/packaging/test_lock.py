"""A reproducible install: every imported package declared, every declared one pinned.

pyproject.toml says what reengage needs; requirements.lock (pip constraints that
``make install`` uses) says which exact version of each. A package imported but not
declared installs by accident (as another's dependency) until it does not; a
declared one missing from the lock installs whatever is newest that day. The product
(``sync``, ``config``, ``connectors``) may import only its run-time dependencies; the
emulators (``sandbox``) their extra too, which a production install leaves out.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# this repository's own packages, and the test suite's connector plug-in (tests/plugins/tinycrm)
OURS = {"sync", "config", "connectors", "sandbox", "tests", "benchmarks", "reengage_tinycrm"}
SERVER_STACK = {"starlette", "uvicorn", "trustme", "faker"}


def _name(requirement: str) -> str:
    """The normalised distribution name of a PEP 508 requirement (``PyJWT[crypto]>=2`` -> pyjwt)."""
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    assert match, requirement
    return re.sub(r"[-_.]+", "-", match.group(1)).lower()


def _declared() -> tuple[set[str], set[str], set[str]]:
    """The run-time dependencies, the ``test`` extra and the ``sandbox`` extra."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = {_name(r) for r in project["dependencies"]}
    extras = project["optional-dependencies"]
    test = {_name(r) for r in extras["test"]} - {"reengage"}
    sandbox = {_name(r) for r in extras["sandbox"]}
    return runtime, test, sandbox


def _locked() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, sep, version = line.partition("==")
            assert sep and version, f"requirements.lock: {line!r} is not an exact pin"
            pins[_name(name)] = version
    return pins


def _imports(folder: str) -> set[str]:
    """The top-level third-party modules imported anywhere under ``folder``."""
    found: set[str] = set()
    for path in (ROOT / folder).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - OURS


def test_every_declared_distribution_is_pinned_in_the_lock() -> None:
    runtime, test, sandbox = _declared()
    pins = _locked()
    assert sorted((runtime | test | sandbox) - set(pins)) == []


def test_every_imported_package_is_declared() -> None:
    runtime, test, sandbox = _declared()
    owners = packages_distributions()
    for folder, allowed in (
        ("sync", runtime),
        ("config", runtime),
        ("connectors", runtime),
        ("sandbox", runtime | sandbox),
        ("tests", runtime | test | sandbox),
        ("benchmarks", runtime | test | sandbox),
    ):
        undeclared = {
            module: owners.get(module)
            for module in _imports(folder)
            if not {_name(d) for d in owners.get(module, [module])} & allowed
        }
        assert undeclared == {}, f"{folder} imports packages pyproject.toml does not declare"


def test_the_server_stack_is_an_extra_not_a_run_time_dependency() -> None:
    runtime, _, sandbox = _declared()
    assert sandbox >= SERVER_STACK
    assert not SERVER_STACK & runtime
