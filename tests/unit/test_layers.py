"""The layer rule, read off the import graph: ``domain`` ← ``services`` ← ``adapters``, ``web``,
``cli``; ``bootstrap`` wires them and ``asgi`` joins the container to the web app."""

from __future__ import annotations

import grimp
import pytest


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("tongban", cache_dir=None)


def test_the_wiring_never_imports_the_web_layer(graph: grimp.ImportGraph) -> None:
    assert graph.find_shortest_chain("tongban.bootstrap", "tongban.web") is None
    assert graph.find_shortest_chain("tongban.web", "tongban.asgi") is None


def test_no_web_module_reaches_the_database_adapter_itself(graph: grimp.ImportGraph) -> None:
    """Routes call services; tables, the engine and SQL stay below them."""
    web = sorted(m for m in graph.modules if m == "tongban.web" or m.startswith("tongban.web."))
    direct = {
        module: sorted(
            i
            for i in graph.find_modules_directly_imported_by(module)
            if i.startswith("tongban.adapters.db")
        )
        for module in web
    }
    assert {m: found for m, found in direct.items() if found} == {}
