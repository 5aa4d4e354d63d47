"""The OpenAPI document covers every JSON route, and API errors share one body shape."""

from __future__ import annotations

import re
from typing import Any

import pytest
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


def test_operation_ids_are_stable_words_and_unique(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    ids = [op["operationId"] for ops in document["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", i) for i in ids), ids
    post = document["paths"]["/api/v1/cases"]["post"]
    assert post["operationId"] == "cases_submit_online"
    assert document["paths"]["/api/v1/cases/{number}"]["get"]["operationId"] == "cases_get_case"


def test_every_api_operation_documents_its_errors_with_examples_and_how_to_sign_in(
    client: TestClient,
) -> None:
    document = client.get("/openapi.json").json()
    schemes, schemas = document["components"]["securitySchemes"], document["components"]["schemas"]
    assert schemes["session"] == {**schemes["session"], "in": "cookie", "name": "tb_session"}
    assert schemes["csrf"]["in"] == "header" and schemes["csrf"]["name"] == "X-CSRF-Token"
    checked = 0
    for path, operations in document["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            expected = {"401", "403", "404", "422", "429"}
            if method in {"post", "put", "patch", "delete"}:
                expected.add("409")
                assert {"session": [], "csrf": []} in operation["security"]
            for status in expected:
                body = operation["responses"][status]["content"]["application/json"]
                schema = schemas[body["schema"]["$ref"].rsplit("/", 1)[1]]  # Error, or a kin
                assert set(schema["properties"]) >= {"code", "message", "fields"}, (path, status)
                assert set(body["example"]) >= {"code", "message", "fields"}, (path, status)
            checked += 1
    assert checked > 100
    too_many = document["paths"]["/api/v1/cases"]["post"]["responses"]["429"]
    assert too_many["content"]["application/json"]["example"]["code"] == "too_many_requests"
    assert "Retry-After" in too_many["headers"]


def test_two_routes_with_one_operation_id_make_the_document_fail() -> None:
    from fastapi import APIRouter, FastAPI

    from tongban.web import openapi as api_document

    app = FastAPI(generate_unique_id_function=api_document.operation_id)
    first, second = APIRouter(tags=["cases"]), APIRouter(tags=["cases"])

    @first.get("/a")
    def listing() -> None: ...

    @second.get("/b", name="listing")
    def other() -> None: ...

    app.include_router(first)
    app.include_router(second)
    with pytest.raises(RuntimeError, match="cases_listing"):
        api_document.check_unique_ids(app.openapi())
