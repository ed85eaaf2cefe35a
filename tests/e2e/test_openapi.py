"""The OpenAPI document clients generate code from: every `$ref` resolves, every error status a
route can answer is documented as a problem (`application/problem+json`), 422 included."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)


def _refs(node: Any, path: str = "#") -> list[tuple[str, str]]:
    if isinstance(node, dict):
        found = [(path, node["$ref"])] if isinstance(node.get("$ref"), str) else []
        for key, value in node.items():
            found += _refs(value, f"{path}/{key}")
        return found
    if isinstance(node, list):
        return [r for i, v in enumerate(node) for r in _refs(v, f"{path}/{i}")]
    return []


def _resolve(doc: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = doc
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def test_every_ref_of_the_openapi_document_resolves(api: Any) -> None:
    doc = api.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    refs = _refs(doc)
    assert len(refs) > 50
    unresolved = []
    for where, ref in refs:
        try:
            _resolve(doc, ref)
        except (KeyError, AssertionError):
            unresolved.append((where, ref))
    assert unresolved == []
    events_body = doc["paths"]["/v1/events"]["post"]["requestBody"]["content"]
    assert "$defs" not in str(events_body)
    assert "ClaimKind" in doc["components"]["schemas"]


def test_every_error_a_route_answers_is_documented_as_a_problem(api: Any) -> None:
    doc = api.get("/openapi.json").json()
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path, operations in doc["paths"].items():
        if not path.startswith("/v1/") or path.startswith("/v1/carriers/"):
            continue
        for method, operation in operations.items():
            responses = operation["responses"]
            expected = {"401", "403", "404", "413", "422"}
            if method in ("post", "put"):
                expected |= {"409", "429"}
            assert expected <= responses.keys(), (method, path, sorted(responses))
            for status, response in responses.items():
                if status.startswith("4"):
                    assert response["content"] == problem, (method, path, status)
    schema = doc["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "instance"} <= set(schema["required"])


def test_a_422_sent_by_the_server_matches_the_documented_problem(api: Any) -> None:
    doc = api.get("/openapi.json").json()
    answer = api.get("/v1/verdicts", params={"limit": 0},
                     headers={"Authorization": f"Bearer {api.token['platform']}"})
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    required = doc["components"]["schemas"]["Problem"]["required"]
    assert set(required) <= answer.json().keys()
