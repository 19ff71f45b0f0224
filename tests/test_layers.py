"""The house's layer rule, read from the source: imports point down, never back, and no two modules import each
other (lazy imports and imports for type checking included). docs/architecture.md draws the same map."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "newsloom"

BELOW_DRIVERS = (
    "types",
    "text",
    "stages",
    "ingest",
    "store",
    "desk",
    "analysis",
    "writers",
    "presentation",
    "settings",
)
# Each room, the modules in it (a name stands for the module and everything under it), and the rooms it may import.
# A room may always import itself, except the stages: each stage stands alone on the types and the text helpers.
ROOMS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "types": (("newsloom.model", "newsloom.version", "newsloom.folders"), ()),
    "text": (("newsloom.text",), ("types",)),
    "stages": (
        ("newsloom.normalize", "newsloom.syndication", "newsloom.embeddings", "newsloom.stories"),
        ("types", "text"),
    ),
    "ingest": (("newsloom.ingest",), ("types", "text")),
    "store": (("newsloom.store",), ("types",)),
    "desk": (("newsloom.desk",), ("types", "text", "stages", "store")),
    "analysis": (("newsloom.analyze",), ("types", "text", "stages")),
    "writers": (("newsloom.write",), ("types", "text", "analysis")),
    "presentation": (("newsloom.present",), ("types", "text", "writers", "store")),
    "settings": (("newsloom.config",), ("types", "text", "stages", "ingest", "writers")),
    "drivers": (
        ("newsloom.drivers",),
        BELOW_DRIVERS,
    ),
    "top": (
        ("newsloom.scale", "newsloom.serve", "newsloom.cli", "newsloom.evaluate", "newsloom.__main__", "newsloom"),
        (*BELOW_DRIVERS, "drivers"),
    ),
}
STAGES = ROOMS["stages"][0]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports(path: Path, known: set[str]) -> Iterator[tuple[str, int]]:
    """Every newsloom module the file imports, wherever the import stands (top, function, ``TYPE_CHECKING``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("newsloom"):
                    yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if not node.module.startswith("newsloom"):
                continue
            for alias in node.names:  # ``from newsloom.stories import clusterer`` imports the submodule
                submodule = f"{node.module}.{alias.name}"
                yield (submodule if submodule in known else node.module), node.lineno


def room_of(module: str) -> str:
    best, length = "", -1
    for room, (members, _) in ROOMS.items():
        for member in members:
            if (module == member or module.startswith(member + ".")) and len(member) > length:
                best, length = room, len(member)
    if not best:
        raise AssertionError(f"{module} is in no room: add it to ROOMS here and to docs/architecture.md")
    return best


def stage_of(module: str) -> str:
    return next(s for s in STAGES if module == s or module.startswith(s + "."))


def backward_imports(graph: dict[str, list[tuple[str, int]]]) -> list[str]:
    found = []
    for module, targets in graph.items():
        room = room_of(module)
        allowed = ROOMS[room][1]
        for target, line in targets:
            other = room_of(target)
            if other == room:
                if room == "stages" and stage_of(module) != stage_of(target):
                    found.append(f"{module}:{line} imports {target}: one stage may not import another")
                continue
            if other not in allowed:
                found.append(f"{module}:{line} ({room}) imports {target} ({other}), which {room} may not import")
    return found


def cycles(graph: dict[str, list[tuple[str, int]]]) -> list[list[str]]:
    """The import cycles between modules (Tarjan's strongly connected components of two or more modules)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target, _ in graph.get(node, []):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def import_graph(extra: dict[str, list[tuple[str, int]]] | None = None) -> dict[str, list[tuple[str, int]]]:
    found = modules()
    graph = {name: sorted(set(imports(path, set(found)))) for name, path in found.items()}
    for module, targets in (extra or {}).items():
        graph[module] = graph.get(module, []) + targets
    return graph


def test_every_module_is_in_a_room() -> None:
    for module in modules():
        room_of(module)


def test_imports_point_down() -> None:
    assert backward_imports(import_graph()) == []


def test_no_import_cycles() -> None:
    assert cycles(import_graph()) == []


@pytest.mark.parametrize(
    ("module", "target", "why"),
    [
        ("newsloom.store.sql", "newsloom.stories.clusterer", "the store imports only the types"),
        ("newsloom.analyze.checker", "newsloom.write.select", "analysis never imports the writers"),
        ("newsloom.syndication", "newsloom.stories.terms", "one stage may not import another"),
        ("newsloom.config", "newsloom.drivers.watch", "settings sit below the drivers"),
        ("newsloom.write.extractive", "newsloom.present.render", "writers sit below the presentation"),
    ],
)
def test_a_backward_import_fails_the_rule(module: str, target: str, why: str) -> None:
    """The rule bites: each of these imports, added to the real graph, is reported."""
    found = backward_imports(import_graph({module: [(target, 1)]}))
    assert len(found) == 1 and found[0].startswith(f"{module}:1"), why


def test_a_cycle_is_found() -> None:
    """Two drivers importing each other (lazily or not) are a cycle, though both are in one room."""
    graph = import_graph({"newsloom.drivers.pipeline": [("newsloom.drivers.watch", 1)]})
    assert ["newsloom.drivers.pipeline", "newsloom.drivers.watch"] in cycles(graph)
