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
