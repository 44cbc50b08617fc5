"""Layers point one way and imports never go round in a circle.

`lint-imports` (import-linter, configured in pyproject.toml and run by `make test`) checks
the layer contract, "no textual outside rater.tui" and acyclic siblings at every depth. The
graph check below is a second, independent one: Tarjan's strongly connected components
over grimp's import graph of every rater module (imports inside functions and under
TYPE_CHECKING included); any component of more than one module is a cycle.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import grimp

REPO = Path(__file__).resolve().parent.parent


def cycles(graph: grimp.ImportGraph) -> list[set[str]]:
    """The strongly connected components of more than one module (iterative Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph.find_modules_directly_imported_by(nxt)))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(component)
    return found


def test_no_import_cycles() -> None:
    graph = grimp.build_graph("rater")
    assert "rater.rating.session" in graph.modules  # the graph is the real one
    assert cycles(graph) == []


def test_the_cycle_check_finds_cycles() -> None:
    """The check above can fail: a render -> pool -> render loop is found, a chain is not."""
    graph = grimp.ImportGraph()
    for name in ("p", "p.render", "p.pool", "p.cache", "p.stream"):
        graph.add_module(name)
    graph.add_import(importer="p.stream", imported="p.render")
    graph.add_import(importer="p.stream", imported="p.cache")
    assert cycles(graph) == []
    graph.add_import(importer="p.render", imported="p.pool")
    graph.add_import(importer="p.pool", imported="p.render")
    assert cycles(graph) == [{"p.render", "p.pool"}]


def test_import_contracts_hold() -> None:
    """What `make test` runs first; here too, so a plain pytest run checks the contracts."""
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint is not None, "import-linter is not installed (scripts/setup --dev)"
    done = subprocess.run(
        [lint, "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Contracts: 3 kept, 0 broken." in done.stdout
