"""OpenAPI 3.1 document of an app, generated from its declared routes' pydantic models.

Routes added as plain aiohttp handlers are listed too (path and method, no schemas), so the
document always covers every endpoint. Handlers marked `hidden(handler)` are left out.
"""

from __future__ import annotations

import inspect
from typing import Any, TypeGuard

from aiohttp import web
from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from server.http.routing import _PATH_PARAM, ROUTES, TAGS, Route
from server.version import __version__

REF = "#/components/schemas/{model}"
ERROR_REF = {"$ref": "#/components/schemas/Error"}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

# One Server-Sent Event as a client parses it; `data` is usually a JSON document.
SSE_EVENT = {
    "type": "object",
    "properties": {
        "event": {"type": "string"},
        "data": {"type": "string"},
        "id": {"type": "string"},
        "retry": {"type": "integer"},
    },
    "required": ["data"],
}

COMMON_ERRORS = {
    400: "malformed Host header (`details` names it)",
    401: "missing or wrong bearer token",
    403: "Host or Origin not allowed",
    429: "rate limited (see Retry-After)",
    500: "internal error (details in the server log, never in the response)",
}


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: Any = None
    request_id: str


class Error(BaseModel):
    """Every error response: one shape, whatever the status."""

    error: ErrorDetail


def hidden(handler):
    """Leave a plain aiohttp handler out of the OpenAPI document (static assets)."""
    handler.__auro_hidden__ = True
    return handler


def _is_model(tp: Any) -> TypeGuard[type[BaseModel]]:
    return inspect.isclass(tp) and issubclass(tp, BaseModel)


class _Schemas:
    """Collects component schemas; pydantic models become `$ref`s."""

    def __init__(self, routes: list[Route]):
        models: dict[type[BaseModel], None] = {Error: None}
        for route in routes:
            for tp in (route.body, route.query, route.path_model, route.response):
                if _is_model(tp):
                    models[tp] = None
            for value in route.errors.values():
                if isinstance(value, tuple) and _is_model(value[1]):
                    models[value[1]] = None
        keys: list[tuple[type[BaseModel], JsonSchemaMode]] = [(m, "validation") for m in models]
        keys += [(m, "serialization") for m in models]
        self.refs, top = models_json_schema(keys, ref_template=REF)
        self.components: dict[str, Any] = top.get("$defs", {})

    def ref(self, tp: Any, mode: JsonSchemaMode) -> dict[str, Any]:
        if _is_model(tp):
            return self.refs[(tp, mode)]
        return TypeAdapter(tp).json_schema(ref_template=REF, mode=mode)

    def inline(self, model: type[BaseModel]) -> dict[str, Any]:
        """A model's own schema (for query/path parameters), refs resolved through components."""
        schema = self.ref(model, "validation")
        if "$ref" in schema:
            schema = self.components[schema["$ref"].rsplit("/", 1)[1]]
        return schema


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _parameters(route: Route, schemas: _Schemas) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = []
    path_props: dict[str, Any] = {}
    if route.path_model is not None:
        path_props = schemas.inline(route.path_model).get("properties", {})
    for name in route.path_params:
        params.append(
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": path_props.get(name, {"type": "string"}),
            }
        )
    if route.query is not None:
        schema = schemas.inline(route.query)
        required = set(schema.get("required", []))
        for name, prop in schema.get("properties", {}).items():
            params.append(
                {"name": name, "in": "query", "required": name in required, "schema": prop}
            )
    return params


def _operation(route: Route, schemas: _Schemas) -> dict[str, Any]:
    op: dict[str, Any] = {
        "tags": [route.tag],
        "summary": route.summary,
        "operationId": route.operation_id,
    }
    if route.description:
        op["description"] = route.description
    params = _parameters(route, schemas)
    if params:
        op["parameters"] = params
    if route.body is not None:
        op["requestBody"] = {
            "required": True,
            "content": _json(schemas.ref(route.body, "validation")),
        }
    success: dict[str, Any] = {"description": "success"}
    content: dict[str, Any] = {}
    if route.response is not None:
        content.update(_json(schemas.ref(route.response, "serialization")))
    if route.stream:
        content["text/event-stream"] = {"schema": SSE_EVENT}
    if route.response is None and route.media_type != "application/json":
        content[route.media_type] = {"schema": {"type": "string"}}
    if content:
        success["content"] = content
    responses: dict[str, Any] = {str(route.status): success}
    errors: dict[int, Any] = dict(COMMON_ERRORS)
    if route.public:
        del errors[401]
    if route.probe:
        errors = {500: COMMON_ERRORS[500]}
    if route.body is not None:
        errors[413] = "request body too large (AURO_HTTP_MAX_BODY_BYTES)"
    if route.body or route.query or route.path_model:
        errors[422] = "invalid request: `details` names each field"
    if route.stream:
        errors[429] = "rate limited, or too many streams at once (see Retry-After)"
    errors.update(route.errors)
    for status, value in sorted(errors.items()):
        if isinstance(value, tuple):
            description, model = value
            responses[str(status)] = {
                "description": description,
                "content": _json(schemas.ref(model, "serialization")),
            }
        else:
            responses[str(status)] = {"description": value, "content": _json(ERROR_REF)}
    responses["default"] = {"description": "any other error", "content": _json(ERROR_REF)}
    op["responses"] = responses
    if route.public:
        op["security"] = []
    return op


def _plain_operation(path: str, method: str, handler: Any) -> dict[str, Any]:
    doc = inspect.getdoc(handler) or ""
    op: dict[str, Any] = {
        "tags": ["other"],
        "summary": doc.split("\n", 1)[0] or f"{method} {path}",
        "operationId": f"{method.lower()}_{handler.__name__}",
        "responses": {
            "200": {"description": "success"},
            "default": {"description": "an error", "content": _json(ERROR_REF)},
        },
    }
    params = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in _PATH_PARAM.findall(path)
    ]
    if params:
        op["parameters"] = params
    return op


def build(app: web.Application) -> dict[str, Any]:
    routes = app.get(ROUTES, [])
    declared: list[Route] = list(routes)
    schemas = _Schemas(declared)
    paths: dict[str, dict[str, Any]] = {}
    by_key = {(r.method, r.path): r for r in declared}
    plain = False
    for resource in app.router.resources():
        info = resource.get_info()
        path = info.get("path") or info.get("formatter")
        if path is None:
            continue
        for aio_route in resource:
            method = aio_route.method
            if method not in METHODS:
                continue
            route = by_key.get((method, path))
            if route is not None:
                paths.setdefault(path, {})[method.lower()] = _operation(route, schemas)
            elif not getattr(aio_route.handler, "__auro_hidden__", False):
                plain = True
                paths.setdefault(path, {})[method.lower()] = _plain_operation(
                    path, method, aio_route.handler
                )
    tags = [{"name": name, "description": text} for name, text in app.get(TAGS, {}).items()]
    if plain:
        tags.append({"name": "other", "description": "Routes without declared schemas"})
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Auro-PAI API",
            "version": __version__,
            "description": (
                "REST API of the Auro-PAI coding assistant backend. Every endpoint except the "
                "liveness and readiness probes needs `Authorization: Bearer <token>`."
            ),
        },
        "servers": [{"url": "/"}],
        "tags": tags,
        "paths": paths,
        "components": {
            "schemas": schemas.components,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearerAuth": []}],
    }
