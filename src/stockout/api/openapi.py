"""The OpenAPI 3.1 document clients can use: every `$ref` resolves (schemas that Pydantic nests
under `$defs` are hoisted into `components/schemas`), and every status a route can answer with
a problem is documented as `application/problem+json` with the `Problem` schema (422 included:
the server never sends FastAPI's `HTTPValidationError`)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from stockout.api.problems import MEDIA_TYPE, TITLES, ProblemDocument

PROBLEM_REF = "#/components/schemas/Problem"
# Any route of the API: no or a bad token, a role that may not, not found (or not yours), a
# body over the limit, an invalid request, the database away.
ANY_ROUTE = (401, 403, 404, 413, 422, 503)
WRITES = (409, 429)  # a state that does not allow the step, a daily limit
MALFORMED = (400,)  # a cursor this API did not give out, a body that cannot be parsed
# Statuses of one route beyond those of its kind.
EXTRA = {("get", "/v1/skus/{sku_id}/plan"): (409,)}  # no daily capacity set yet
CARRIER_PUSHES = (413, 422, 503)  # signed by the vendor, not by a token


def _statuses(path: str, method: str, operation: dict[str, Any]) -> tuple[int, ...]:
    if not path.startswith("/v1/"):
        return ()
    if path.startswith("/v1/carriers/"):
        return CARRIER_PUSHES + MALFORMED
    names = {p.get("name") for p in operation.get("parameters", [])}
    malformed = "cursor" in names or "requestBody" in operation
    return (ANY_ROUTE + (WRITES if method in ("post", "put", "patch", "delete") else ())
            + (MALFORMED if malformed else ()) + EXTRA.get((method, path), ()))


def _hoist(node: Any, schemas: dict[str, Any]) -> None:
    """Move every nested `$defs` into `schemas` (their refs already point there)."""
    if isinstance(node, dict):
        defs = node.pop("$defs", None)
        if defs:
            for name, schema in defs.items():
                schemas.setdefault(name, schema)
                _hoist(schema, schemas)
        for value in node.values():
            _hoist(value, schemas)
    elif isinstance(node, list):
        for value in node:
            _hoist(value, schemas)


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        for value in node.values():
            found |= _refs(value)
        return found
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node)) if node else set()
    return set()


def document(app: FastAPI) -> dict[str, Any]:
    doc = get_openapi(title=app.title, version=app.version, description=app.description,
                      routes=app.routes)
    schemas: dict[str, Any] = doc.setdefault("components", {}).setdefault("schemas", {})
    _hoist(doc["paths"], schemas)
    _hoist(schemas, schemas)
    schemas["Problem"] = ProblemDocument.model_json_schema(ref_template="#/components/schemas/{model}")
    problem = {MEDIA_TYPE: {"schema": {"$ref": PROBLEM_REF}}}
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)  # FastAPI's HTTPValidationError: never sent
            for status in _statuses(path, method, operation):
                responses[str(status)] = {"description": TITLES[status], "content": problem}
    used = _refs(doc["paths"]) | _refs(schemas)
    for name in ("HTTPValidationError", "ValidationError"):
        if f"#/components/schemas/{name}" not in used:
            schemas.pop(name, None)
    return doc


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
