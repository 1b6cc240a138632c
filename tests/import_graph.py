"""The spasmcheck module graph, read from the source's `import` statements (ast, no running).

Every import counts, at module level or inside a function, except those under
`if TYPE_CHECKING:` (never run). `python tests/import_graph.py` prints the layers as a Mermaid
diagram for docs/ARCHITECTURE.md (`--modules`: every module); tests/test_imports.py proves the
graph has no cycle and no import from a lower layer to a higher one.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "spasmcheck"


def modules() -> dict[str, Path]:
    """Every module of the package by dotted name."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _type_checking_only(tree: ast.AST) -> set[int]:
    hidden: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for statement in node.body:
                hidden.update(id(inner) for inner in ast.walk(statement))
    return hidden


def graph() -> dict[str, set[str]]:
    """Module -> the spasmcheck modules it imports when it runs."""
    known = modules()
    edges: dict[str, set[str]] = {}
    for name, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        hidden = _type_checking_only(tree)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(tree):
            if id(node) in hidden:
                continue
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    stem = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*stem, base] if base else stem)
                for alias in node.names:  # `from spasmcheck.render import fhir` names a module
                    inner = f"{base}.{alias.name}"
                    targets.add(inner if inner in known else base)
        edges[name] = {target for target in targets
                       if target in known and target != name and target != "spasmcheck"}
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in edges[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while (top := stack.pop()) != node:
                group.append(top)
            group.append(node)
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


# The layers, top to bottom, are the package's folders: a module may import its own folder and
# those below it, never above. `__main__` (python -m spasmcheck) only starts the command line.
LAYERS = ("frontends", "render", "tables", "core")


def layer(module: str) -> str:
    """The layer of a module: its folder (`spasmcheck.render.data` is in render)."""
    parts = module.split(".")
    if parts[1:] == ["__main__"]:
        return "frontends"
    if len(parts) > 1 and parts[1] in LAYERS:
        return parts[1]
    raise KeyError(f"{module} is in no layer: put it in one of the folders {LAYERS}")


def upward(edges: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Imports from a lower layer to a higher one."""
    order = list(LAYERS)
    return [(source, target) for source in sorted(edges) if source != "spasmcheck"
            for target in sorted(edges[source])
            if order.index(layer(target)) < order.index(layer(source))]


def layered(edges: dict[str, set[str]]) -> str:
    """The layers as a Mermaid flowchart: each layer's modules, an arrow per layer it imports."""
    order = list(LAYERS)
    lines = ["flowchart TD"]
    for name in order:
        members = sorted(m.rpartition(".")[2] for m in edges
                         if m not in {"spasmcheck", f"spasmcheck.{name}"} and layer(m) == name)
        lines.append(f'    {name.replace("-", "_")}["{name}: {", ".join(members)}"]')
    links = sorted({(layer(s), layer(t)) for s in edges if s != "spasmcheck" for t in edges[s]
                    if layer(s) != layer(t)}, key=lambda p: (order.index(p[0]), order.index(p[1])))
    lines += [f"    {a.replace('-', '_')} --> {b.replace('-', '_')}" for a, b in links]
    return "\n".join(lines) + "\n"


def mermaid(edges: dict[str, set[str]]) -> str:
    """The graph as a Mermaid flowchart, module names without the package prefix."""
    def short(name: str) -> str:
        return name.removeprefix("spasmcheck.").replace(".", "/") or name

    def node(name: str) -> str:
        return f"{short(name).replace('/', '_')}[{short(name)}]"

    lines = [f"    {node(source)} --> {node(target)}"
             for source in sorted(edges) for target in sorted(edges[source])]
    return "\n".join(["flowchart TD", *lines]) + "\n"


if __name__ == "__main__":
    sys.stdout.write(mermaid(graph()) if sys.argv[1:] == ["--modules"] else layered(graph()))
