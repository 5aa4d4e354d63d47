"""The OpenAPI document covers every JSON route, and API errors share one body shape."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.integration.test_access_matrix import api_routes


def test_every_json_route_is_in_the_openapi_document(app: Any, client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    documented = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
    }
    json_routes = {
        (method, route.path)
        for route in api_routes(app)
        if getattr(route, "original_route", route).include_in_schema
        and (route.path.startswith("/api/") or route.path == "/healthz")
        for method in route.methods
        if method != "HEAD"
    }
    assert json_routes, "no API routes found: the route walk is broken"
    assert json_routes - documented == set()
    assert {p for _, p in json_routes} >= {"/api/v1/items", "/api/v1/catalogue/stats"}


def test_every_api_error_is_code_message_fields(client: TestClient) -> None:
    answers = [
        client.get("/api/v1/items/NOPE-0001"),
        client.get("/api/v1/items", params={"limit": 0}),
        client.get("/api/v1/centres/nearest", params={"lat": 200, "lon": 113}),
        client.get("/api/v1/no-such-route"),
        client.get("/api/v1/me"),
        client.post("/api/v1/items", json={"code": "x"}),
    ]
    for answer in answers:
        body = answer.json()
        assert answer.status_code >= 400
        assert set(body) >= {"code", "message", "fields"}, body
        assert isinstance(body["code"], str) and body["code"].islower()
        assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]), body["message"]
    assert [a.json()["code"] for a in answers] == [
        "item_not_found",
        "validation_failed",
        "validation_failed",
        "not_found",
        "not_authenticated",
        "not_authenticated",
    ]
    assert answers[2].json()["fields"] == {"lat": "数值过大"}


def test_the_api_docs_page_loads_only_local_files(client: TestClient) -> None:
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert "/static/vendor/swagger-ui-5.35.0/swagger-ui-bundle.js" in page.text
    assert "http://" not in page.text and "https://" not in page.text
    assert client.get("/static/vendor/swagger-ui-5.35.0/swagger-ui-bundle.js").status_code == 200


def test_the_openapi_document_describes_tongbans_error_body(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert schemas["Error"]["required"] == ["code", "message", "fields"]
    search = document["paths"]["/api/v1/items"]["get"]["responses"]
    assert search["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
