"""The layout holds: imports point one way (.importlinter), the sandboxes stay out of the product."""

from __future__ import annotations

import ast
import fnmatch
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from celery import current_app

ROOT = Path(__file__).resolve().parents[2]


def _root_packages() -> tuple[str, ...]:
    """The packages .importlinter checks (its root_packages), the sandboxes left out: the product."""
    lines = (ROOT / ".importlinter").read_text().split("root_packages =", 1)[1].splitlines()[1:]
    packages = []
    for line in lines:
        if not line.startswith((" ", "\t")) or not line.strip():
            break
        packages.append(line.strip())
    return tuple(package for package in packages if package != "sandboxes")


PRODUCT = _root_packages()
LINT_IMPORTS = str(Path(sys.executable).with_name("lint-imports"))


def _lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [LINT_IMPORTS, "--config", str(ROOT / ".importlinter"), "--no-cache"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _copy_of_the_tree(tmp_path: Path) -> Path:
    for package in (*PRODUCT, "sandboxes"):
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__", "static")
        )
    return tmp_path


def test_it_keeps_every_import_contract():
    result = _lint_imports(ROOT)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 4 kept, 0 broken." in result.stdout


def test_it_fails_when_a_service_imports_its_tasks_back(tmp_path):
    # given a copy of the tree where orders/services.py imports the tasks that call it
    tree = _copy_of_the_tree(tmp_path)
    services = tree / "orders" / "services.py"
    services.write_text(services.read_text() + "\nfrom orders.tasks import sync_order_task  # noqa\n")

    # when the contracts are checked
    result = _lint_imports(tree)

    # then the layers and the no-circles contracts are broken, naming the import
    assert result.returncode == 1
    assert "Contracts: 2 kept, 2 broken." in result.stdout
    assert "orders.services -> orders.tasks" in result.stdout


def test_it_fails_when_the_product_imports_a_sandbox(tmp_path):
    tree = _copy_of_the_tree(tmp_path)
    gateways = tree / "synco" / "gateways.py"
    gateways.write_text(gateways.read_text() + "\nimport sandboxes.shopify.store  # noqa\n")

    result = _lint_imports(tree)

    assert result.returncode == 1
    assert "The product never imports the sandboxes (development and tests only, not" in result.stdout
    assert "synco.gateways -> sandboxes.shopify.store" in result.stdout


def test_it_installs_no_sandbox_code():
    find = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]

    packages = [
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in ROOT.rglob("__init__.py")
        if ".venv" not in init.parts
    ]
    packages = [
        name
        for name in packages
        if any(fnmatch.fnmatchcase(name, pattern) for pattern in find["include"])
        and not any(fnmatch.fnmatchcase(name, pattern) for pattern in find["exclude"])
    ]

    assert {package.split(".")[0] for package in packages} == set(PRODUCT)


def _task_names_sent_through_the_seam() -> set[str]:
    names = set()
    for package in PRODUCT:
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text())
            # A module-level NAME = "literal" may name the task too.
            constants = {
                target.id: node.value.value
                for node in tree.body
                if isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
                for target in node.targets
                if isinstance(target, ast.Name)
            }
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in {"task", "delay_on_commit"}
                    and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "queue"
                ):
                    first = node.args[0]
                    if isinstance(first, ast.Name) and first.id in constants:
                        names.add(constants[first.id])
                        continue
                    task_constants = {v for v in constants.values() if v.split(".")[-1].endswith("_task")}
                    if isinstance(first, ast.Name) and task_constants:
                        # A helper handed the name (orders/imports.py's _queue_step): the module's task
                        # constants are what it is ever given.
                        names.update(task_constants)
                        continue
                    assert isinstance(first, ast.Constant), (
                        f"{path}: name the task with a literal (or a module constant)"
                    )
                    names.add(first.value)
    return names


def test_it_registers_every_task_a_service_sends_by_name():
    names = _task_names_sent_through_the_seam()

    assert {"orders.tasks.sync_order_task", "synco.shopify_app.tasks.process_webhook_task"} <= names
    assert sorted(name for name in names if name not in current_app.tasks) == []
