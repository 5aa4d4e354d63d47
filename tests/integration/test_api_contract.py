"""The HTTP contract every API client relies on: sizes, methods, malformed bodies."""

from __future__ import annotations

from typing import Any

from tongban.web.limits import DEFAULT_LIMIT, limit_for


def test_a_body_over_its_route_s_limit_is_refused_before_it_is_read(client: Any) -> None:
    huge = b'{"login": "' + b"x" * (30 * 1024 * 1024) + b'", "password": "p"}'
    answer = client.post(
        "/api/v1/auth/login", content=huge, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 413
    assert answer.json()["code"] == "payload_too_large"
    assert answer.headers["x-request-id"]


def test_a_streamed_body_is_cut_off_once_it_passes_the_limit(client: Any) -> None:
    def chunks() -> Any:
        for _ in range(64):
            yield b"x" * 1024  # 64 KiB, no Content-Length: the log-in routes take 16 KiB

    answer = client.post(
        "/api/v1/auth/login", content=chunks(), headers={"content-type": "application/json"}
    )
    assert answer.status_code == 413 and answer.json()["code"] == "payload_too_large"


def test_each_route_has_a_limit_fit_for_what_it_takes(container: Any) -> None:
    settings = container.settings
    assert limit_for("/api/v1/auth/login", settings) == 16 * 1024
    assert limit_for("/api/v1/cases", settings) == DEFAULT_LIMIT
    upload = limit_for("/api/v1/cases/NH20261116-000001/materials", settings)
    assert settings.upload_max_bytes * 2 < upload < settings.upload_max_bytes * 3
    assert limit_for("/api/v1/catalogue/import", settings) > 32 * 1024 * 1024


def test_405_lists_every_method_the_path_serves(client: Any) -> None:
    answer = client.request("OPTIONS", "/api/v1/cases")
    assert answer.status_code == 405
    assert set(answer.headers["allow"].split(", ")) == {"GET", "POST"}
    assert answer.json()["code"] == "method_not_allowed"


def test_trace_is_refused_in_json_even_on_a_page_path(client: Any) -> None:
    answer = client.request("TRACE", "/")
    assert answer.status_code == 405
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.json()["code"] == "method_not_allowed"
    assert "GET" in answer.headers["allow"]


def test_malformed_json_is_reported_on_the_body_not_a_byte_offset(client: Any) -> None:
    answer = client.post(
        "/api/v1/auth/login",
        content=b'{"login": "a", "password": ',
        headers={"content-type": "application/json"},
    )
    assert answer.status_code == 422
    assert answer.json()["fields"] == {"body": "不是合法的 JSON"}


def test_a_number_the_database_cannot_store_is_bad_input_not_a_server_error(client: Any) -> None:
    answer = client.get("/api/v1/items/SCJGJ-0001/versions/99999999999999999999")
    assert answer.status_code == 422
    assert answer.json()["code"] == "value_out_of_range"


def test_the_idempotency_key_is_declared_required_with_its_format(client: Any) -> None:
    document = client.get("/openapi.json").json()
    operation = document["paths"]["/api/v1/cases"]["post"]
    [key] = [p for p in operation["parameters"] if p["name"] == "Idempotency-Key"]
    assert key["required"] is True
    assert (key["schema"]["minLength"], key["schema"]["maxLength"]) == (1, 200)
    assert {"409", "428"} <= set(operation["responses"])
    refused = client.post("/api/v1/cases", json={})
    assert refused.status_code in (401, 428)  # anonymous: no session before the key is asked


def test_required_texts_are_declared_non_empty_in_the_schema(client: Any) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert schemas["ReasonsIn"]["properties"]["reasons"]["minLength"] == 1
    assert schemas["HumanReviewIn"]["properties"]["reason"]["minLength"] == 1


def test_json_nested_too_deep_to_read_is_a_clear_bad_request(client: Any) -> None:
    deep = b'{"login": ' + b"[" * 5000 + b"]" * 5000 + b', "password": "x"}'
    answer = client.post(
        "/api/v1/auth/login", content=deep, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "bad_request" and answer.json()["message"]
