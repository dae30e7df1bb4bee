"""The package's shape: every module imports on its own, imports run one way, no cycles.

Imports are read from the source (every ``import``/``from`` at any depth, except under
``if TYPE_CHECKING``), so a cycle hidden in a function body counts too.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "tacal"

#: Layers from the bottom up: a module may import its own layer or lower ones, never higher.
LAYERS = {
    "tacal": 0,
    "tacal.errors": 0,
    "tacal.clock": 0,
    "tacal.output": 0,
    "tacal.model": 0,
    "tacal.paths": 0,
    "tacal.__main__": 6,
    "tacal.config": 1,
    "tacal.schedule": 1,
    "tacal.series": 2,
    "tacal.ical": 3,
    "tacal.feeds": 4,
    "tacal.gcal": 4,
    "tacal.invite": 4,
    "tacal.busy": 4,
    "tacal.sinks": 4,
    "tacal.davsink": 4,
    "tacal.views": 4,
    "tacal.cli": 5,
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = sorted(module_name(p) for p in PACKAGE.rglob("*.py"))


def layer(module: str) -> int:
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        key = ".".join(parts[:n])
        if key in LAYERS:
            return LAYERS[key]
    raise AssertionError(f"{module}: no layer; add its package to LAYERS")


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(module: str) -> set[str]:
    """The tacal modules ``module`` imports (a ``from pkg import sub`` counts as ``pkg.sub``)."""
    path = PACKAGE.parent / (module.replace(".", "/") + ".py")
    if not path.exists():
        path = PACKAGE.parent / module.replace(".", "/") / "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("tacal"))
        elif (
            isinstance(node, ast.ImportFrom)
            and node.level == 0
            and node.module
            and node.module.startswith("tacal")
        ):
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in MODULES else node.module)
        elif isinstance(node, ast.ImportFrom) and node.level:
            raise AssertionError(f"{module}: use absolute imports (from tacal.x import y)")
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    found.discard(module)
    return found


GRAPH = {m: imports_of(m) for m in MODULES}


def test_every_module_is_in_a_layer() -> None:
    for m in MODULES:
        layer(m)


@pytest.mark.parametrize("module", MODULES)
def test_imports_run_one_way(module: str) -> None:
    upward = sorted(t for t in GRAPH[module] if layer(t) > layer(module))
    assert not upward, (
        f"{module} (layer {layer(module)}) imports {upward}: the flow is "
        "cli -> feeds/gcal -> ical -> series -> schedule/config -> model"
    )


def test_no_import_cycle() -> None:
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def walk(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for t in sorted(GRAPH.get(m, ())):
            if state.get(t) == 1:
                cycles.append([*stack[stack.index(t) :], t])
            elif t in GRAPH and t not in state:
                walk(t)
        stack.pop()
        state[m] = 2

    for m in MODULES:
        if m not in state:
            walk(m)
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_every_module_imports_alone_in_a_fresh_interpreter() -> None:
    """Catches what the source scan cannot: an import that only works after another one."""
    commands = {m: [sys.executable, "-c", f"import {m}"] for m in MODULES if m != "tacal.__main__"}
    commands["tacal.__main__"] = [sys.executable, "-m", "tacal", "--help"]  # it runs the CLI
    procs = {
        m: subprocess.Popen(
            cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for m, cmd in commands.items()
    }
    failed = {}
    for m, proc in procs.items():
        _, err = proc.communicate(timeout=120)
        if proc.returncode != 0:
            failed[m] = err.strip().splitlines()[-1:]
    assert not failed, failed
