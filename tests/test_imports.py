"""The module graph has no loop: a front-end may import the core, never the other way round."""

from __future__ import annotations

import importlib

from import_graph import cycles, graph, layer, modules, upward


def test_every_module_imports_on_its_own() -> None:
    for name in modules():
        if name != "spasmcheck.__main__":  # importing it runs the command line
            importlib.import_module(name)


def test_no_module_imports_itself_back_through_others() -> None:
    assert cycles(graph()) == []


def test_the_walk_sees_imports_inside_functions_and_finds_a_loop() -> None:
    edges = graph()
    assert "spasmcheck.render.fhir" in edges["spasmcheck.render.formats"]  # a lazy import
    looped = {**edges, "spasmcheck.model": {*edges["spasmcheck.model"], "spasmcheck.conditions"}}
    assert cycles(looped) == [["spasmcheck.conditions", "spasmcheck.model"]]


def test_the_core_never_imports_a_front_end() -> None:
    edges = graph()
    front = {"spasmcheck.cli", "spasmcheck.batch", "spasmcheck.batchpool", "spasmcheck.prompts",
             "spasmcheck.serve", "spasmcheck.report"}
    for core in ("spasmcheck.model", "spasmcheck.conditions", "spasmcheck.interactions",
                 "spasmcheck.triage", "spasmcheck.names", "spasmcheck.knowledge",
                 "spasmcheck.emergency", "spasmcheck.answers", "spasmcheck.output"):
        assert not edges[core] & front, core


def test_every_module_has_a_layer_and_no_import_goes_up() -> None:
    edges = graph()
    for module in edges:
        if module != "spasmcheck":
            layer(module)
    assert upward(edges) == []
    assert upward({**edges, "spasmcheck.model": {"spasmcheck.cli"}}) == \
        [("spasmcheck.model", "spasmcheck.cli")]
