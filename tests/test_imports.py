"""The module graph has no loop: a front-end may import the core, never the other way round."""

from __future__ import annotations

import importlib
from pathlib import Path

from import_graph import cycles, graph, layer, layered, modules, upward


def test_every_module_imports_on_its_own() -> None:
    for name in modules():
        if name != "spasmcheck.__main__":  # importing it runs the command line
            importlib.import_module(name)


def test_no_module_imports_itself_back_through_others() -> None:
    assert cycles(graph()) == []


def test_the_walk_sees_imports_inside_functions_and_finds_a_loop() -> None:
    edges = graph()
    assert "spasmcheck.render.fhir" in edges["spasmcheck.render.formats"]  # a lazy import
    model = "spasmcheck.core.model"
    looped = {**edges, model: {*edges[model], "spasmcheck.core.conditions"}}
    assert cycles(looped) == [["spasmcheck.core.conditions", "spasmcheck.core.model"]]


def test_the_core_imports_nothing_outside_itself() -> None:
    """The engines answer from the records alone: no table reading, no renderer, no front-end."""
    edges = graph()
    core = {name for name in edges if name.startswith("spasmcheck.core")}
    assert len(core) > 10
    for module in core:
        assert edges[module] <= core, (module, edges[module] - core)


def test_the_records_never_import_an_engine() -> None:
    records = {f"spasmcheck.core.{name}"
               for name in ("record", "model", "conditions", "names", "limits", "errors")}
    edges = graph()
    for module in records:
        assert edges[module] <= records, (module, edges[module] - records)


def test_every_module_lives_in_a_layer_folder() -> None:
    loose = [name for name in modules()
             if name.count(".") == 1 and name != "spasmcheck.__main__"
             and name.split(".")[1] not in ("frontends", "render", "tables", "core")]
    assert loose == []


def test_every_module_has_a_layer_and_no_import_goes_up() -> None:
    edges = graph()
    for module in edges:
        if module != "spasmcheck":
            layer(module)
    assert upward(edges) == []
    assert upward({**edges, "spasmcheck.core.model": {"spasmcheck.frontends.cli"}}) == \
        [("spasmcheck.core.model", "spasmcheck.frontends.cli")]


def test_the_architecture_page_shows_the_graph_of_the_code() -> None:
    page = (Path(__file__).resolve().parent.parent / "docs" / "ARCHITECTURE.md").read_text()
    assert f"```mermaid\n{layered(graph())}```" in page
