"""The rooms and the way imports may run between them (docs/architecture.md).

Data flows corpus -> ingest -> index -> answer -> api. Every import of the project's own
modules, wherever it sits in a file (top level, inside a function, under TYPE_CHECKING), must
go to the importer's own room or to one the table below allows, and no modules may import
each other in a cycle, however long.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("pathways", "ingest", "index", "answer", "api", "prompts")

BOTTOM_MODULES = ("pathways.types", "pathways.text", "pathways.settings", "pathways.errors")
# room -> the rooms it may import (besides its own)
ALLOWED: dict[str, set[str]] = {
    "bottom": set(),
    "index": {"bottom"},
    "ingest": {"bottom", "index"},  # the ingestor writes the index
    "answer": {"bottom", "index"},  # answers read the index, never ingest
    "api": {"bottom", "index", "ingest", "answer"},
    "top": {"bottom", "index", "ingest", "answer", "api"},
}


def room_of(module: str) -> str:
    """The room of a module: bottom for the shared types, text toolkit, settings, errors and
    prompt templates; top for the rest of `pathways` (CLI, evaluation, fitting)."""
    if module == "prompts" or module.startswith("prompts."):
        return "bottom"
    if any(module == m or module.startswith(m + ".") for m in BOTTOM_MODULES):
        return "bottom"
    package = module.split(".", maxsplit=1)[0]
    return "top" if package == "pathways" else package


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files() -> Iterator[Path]:
    for package in PACKAGES:
        yield from sorted((ROOT / package).rglob("*.py"))


def project_imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, module) of every import of a project module in the file, at any depth."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # `from index import dense` imports the module index.dense
            names = [node.module]
            names += [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            if name.split(".")[0] in PACKAGES:
                yield node.lineno, name


def import_graph() -> dict[str, dict[str, int]]:
    """module -> {imported module: line}, for the project's own modules only."""
    files = {module_name(p): p for p in source_files()}
    graph: dict[str, dict[str, int]] = {}
    for module, path in files.items():
        edges = graph.setdefault(module, {})
        for line, name in project_imports(path):
            if name in files and name != module:
                edges.setdefault(name, line)
    return graph


def upward_imports(graph: dict[str, dict[str, int]]) -> list[str]:
    found = []
    for module, edges in sorted(graph.items()):
        room = room_of(module)
        for target, line in sorted(edges.items()):
            there = room_of(target)
            if there != room and there not in ALLOWED[room]:
                found.append(f"{module}:{line} imports {target} ({room} may not import {there})")
    return found


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, {}):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_no_import_runs_against_the_flow() -> None:
    assert upward_imports(import_graph()) == []


def test_no_import_cycles() -> None:
    assert cycles(import_graph()) == []


def test_the_check_reports_an_upward_import_and_a_cycle() -> None:
    """The checks themselves: an index module importing ingest, and two modules importing
    each other, are reported with the offending line."""
    graph = {
        "index.store": {"ingest.chunk": 7, "pathways.types": 3},
        "ingest.chunk": {"pathways.types": 2},
        "answer.qa": {"answer.llm": 30},
        "answer.llm": {"answer.qa": 18},
    }
    assert upward_imports(graph) == [
        "index.store:7 imports ingest.chunk (index may not import ingest)"
    ]
    assert cycles(graph) == [["answer.llm", "answer.qa"]]


def test_the_architecture_page_names_real_files() -> None:
    """docs/architecture.md says where each kind of change belongs: the files it names exist."""
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    named = set(
        re.findall(r"`((?:ingest|index|answer|api|pathways|prompts|tests)/[\w/.*]+)`", page)
    )
    assert len(named) > 20
    missing = sorted(p for p in named if "*" not in p and not (ROOT / p).exists())
    assert missing == []


def test_every_source_module_has_a_room() -> None:
    rooms = {room_of(module_name(p)) for p in source_files()}
    assert rooms <= set(ALLOWED)
