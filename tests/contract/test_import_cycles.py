"""No import cycles, not even ones hidden by imports inside functions.

The graph counts every ``import`` of a package module, at module level or inside
a function (only ``if TYPE_CHECKING:`` blocks are left out: they never run).
An import of a module's own parent package is no edge: Python loads the parents
first.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PKG = ROOT / "attribution"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for n in ast.walk(node))
    return skip


def import_graph() -> dict[str, set[str]]:
    """module -> the package modules it imports (anywhere but TYPE_CHECKING blocks)."""
    modules = {_module_name(p): p for p in PKG.rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _type_checking_nodes(tree)
        is_pkg = path.name == "__init__.py"
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = name.split(".")[: len(name.split(".")) - node.level + is_pkg]
                    base = ".".join([*anchor, base] if base else anchor)
                targets = [base] + [f"{base}.{a.name}" for a in node.names]
            for t in targets:  # a module's parent packages always load before it: no edge
                if t in modules and t != name and not name.startswith(t + "."):
                    graph[name].add(t)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a list of modules (first == last), or None (iterative DFS)."""
    colour: dict[str, int] = {}
    for start in sorted(graph):
        if colour.get(start):
            continue
        stack = [(start, iter(sorted(graph[start])))]
        colour[start], path = 1, [start]
        while stack:
            node, children = stack[-1]
            for child in children:
                if colour.get(child) == 1:
                    return [*path[path.index(child) :], child]
                if not colour.get(child):
                    colour[child] = 1
                    path.append(child)
                    stack.append((child, iter(sorted(graph[child]))))
                    break
            else:
                colour[node] = 2
                path.pop()
                stack.pop()
    return None


def test_the_detector_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_no_import_cycle_in_the_package() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, " -> ".join(cycle or [])


def test_the_three_named_cycles_are_gone() -> None:
    g = import_graph()
    for a, b in (
        ("attribution.data.columns", "attribution.data.load"),
        ("attribution.mmm.analysis", "attribution.mmm.results"),
        ("attribution.report.sections", "attribution.report.viewmodels"),
    ):
        assert not (b in g[a] and a in g[b]), f"{a} <-> {b}"
    assert "attribution.mmm.results" not in g["attribution.mmm.analysis"]
    assert "attribution.report.viewmodels" not in g["attribution.report.sections"]
