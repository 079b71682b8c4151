"""Route declarations for the REST API: one `RouteTable` per `*_api` module.

A declaration registers the aiohttp handler, validates the request into pydantic models
(422 naming each bad field) and feeds the OpenAPI document at `/openapi.json`.

Usage, in `server/http/foo_api.py`::

    from aiohttp import web
    from pydantic import BaseModel, Field

    from server.http.routing import ApiError, RouteTable, services_of

    routes = RouteTable("foo", "What foo does (the OpenAPI tag description)")

    class EchoRequest(BaseModel):
        text: str = Field(min_length=1, max_length=100)

    class EchoResponse(BaseModel):
        text: str

    @routes.post(
        "/api/v1/foo/echo",
        body=EchoRequest,               # JSON body -> `body=` argument (empty body = {})
        response=EchoResponse,          # documented 200 schema; returned dicts are checked
        summary="Echo the text back",
        errors={404: "no such thing"},  # extra documented error statuses (all share one shape)
    )
    async def echo(request: web.Request, body: EchoRequest) -> EchoResponse:
        services = services_of(request)  # the app's `Services`
        if body.text == "missing":
            raise ApiError(404, "not_found", "no such thing", details={"text": body.text})
        return EchoResponse(text=body.text)

Then the module's `add_routes(app, ...)` calls `routes.add_to(app)`, and `create_app` in
app.py calls `foo_api.add_routes(app, ...)`.

Keyword arguments of the decorators (`get`, `post`, `put`, `delete`, `route`):

* `body=Model`, `query=Model`, `path=Model` - validated and passed to the handler by those
  keyword names; path parameters not modelled stay in `request.match_info`.
* `response=Model` for the success status (`status=200` by default); the handler may return
  that model, a dict/list (validated against it), or any `web.StreamResponse` untouched.
* `stream=True` - the route answers with Server-Sent Events (documented as
  `text/event-stream`); it holds one of the `AURO_HTTP_MAX_STREAMS` slots while it runs
  (429 + Retry-After when none is free).
* `public=True` - no bearer token needed (static documentation pages only);
  `probe=True` - public and also exempt from the Host check, CORS and rate limits
  (liveness/readiness only: they must reveal nothing).
* `media_type="text/html"` - documents a non-JSON success body (return a `web.Response`).
* `images=True` - the body may carry base64 images: its size limit is
  AURO_HTTP_MAX_BODY_BYTES plus room for AURO_CHAT_MAX_IMAGES of AURO_CHAT_MAX_IMAGE_BYTES.
* `errors={503: ("not ready", ReadinessResponse)}` documents an error with its own model.
* errors: `raise ApiError(status, code, message, details=None)`; every error leaves as
  `{"error": {"code", "message", "details"?, "request_id"}}`. A table may map library
  exceptions once: `RouteTable("tools", errors={ToolError: to_api_error})`.

Plain aiohttp routes (`app.router.add_get(...)`) keep working behind the same middlewares
(auth, limits, JSON errors); they appear in `/openapi.json` without schemas.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from pydantic import BaseModel, TypeAdapter, ValidationError

from server.http.errors import ApiError
from server.http.json_body import read_json

Handler = Callable[..., Awaitable[Any]]
ErrorMapper = Callable[[Exception], "ApiError"]

ROUTES: web.AppKey[list[Route]] = web.AppKey("auro_routes", list)  # every declared route
TAGS = web.AppKey("auro_tags", dict)  # tag name -> description
SERVICES = web.AppKey("auro_services", object)
REQUEST_ID_KEY = web.RequestKey("auro_request_id", str)
CORS_ORIGIN_KEY = web.RequestKey("auro_cors_origin", str)

_PATH_PARAM = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")


@dataclass(frozen=True)
class Route:
    """One declared operation: everything aiohttp and the OpenAPI generator need."""

    method: str
    path: str
    handler: Handler
    tag: str
    summary: str
    description: str = ""
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    path_model: type[BaseModel] | None = None
    response: Any = None  # a pydantic model class, or any type TypeAdapter accepts
    status: int = 200
    errors: Mapping[int, str] = field(default_factory=dict)
    stream: bool = False
    public: bool = False
    probe: bool = False
    media_type: str = "application/json"
    operation_id: str = ""
    images: bool = False  # the body may carry base64 images: its size limit grows for them

    @property
    def path_params(self) -> list[str]:
        return _PATH_PARAM.findall(self.path)


def route_of(request: web.Request) -> Route | None:
    """The declared route serving `request`, if it is one (middlewares use this)."""
    try:
        handler = request.match_info.handler
    except AttributeError:
        return None
    return getattr(handler, "__auro_route__", None)


def public(handler: Handler) -> Handler:
    """Mark a plain aiohttp handler as needing no token (static documentation assets)."""
    handler.__auro_public__ = True  # type: ignore[attr-defined]
    return handler


def is_public(request: web.Request) -> bool:
    """No bearer token needed for this request's route."""
    route = route_of(request)
    if route is not None:
        return route.public
    return getattr(getattr(request.match_info, "handler", None), "__auro_public__", False)


def is_probe(request: web.Request) -> bool:
    route = route_of(request)
    return route is not None and route.probe


def services_of(request: web.Request) -> Any:
    """The `Services` the app was built on (`create_app(services)`)."""
    return request.app[SERVICES]


def validation_error(exc: ValidationError, prefix: str = "") -> ApiError:
    """A 422 naming each invalid field (dotted path; `body` for the body as a whole)."""
    details = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"])
        details.append(
            {
                "field": f"{prefix}{where}" if where else prefix.rstrip(".") or "body",
                "message": err["msg"],
            }
        )
    fields = ", ".join(d["field"] for d in details)
    return ApiError(422, "invalid_request", f"invalid field(s): {fields}", details)


async def _validated(request: web.Request, route: Route) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    if route.path_model is not None:
        try:
            kwargs["path"] = route.path_model.model_validate(dict(request.match_info))
        except ValidationError as exc:
            raise validation_error(exc, "path.") from None
    if route.query is not None:
        try:
            kwargs["query"] = route.query.model_validate(dict(request.query))
        except ValidationError as exc:
            raise validation_error(exc, "query.") from None
    if route.body is not None:
        payload = await read_json(request)
        try:
            kwargs["body"] = route.body.model_validate(payload)
        except ValidationError as exc:
            raise validation_error(exc) from None
    return kwargs


def _to_response(route: Route, result: Any) -> web.StreamResponse:
    if isinstance(result, web.StreamResponse):
        return result
    if isinstance(result, BaseModel):
        return web.json_response(result.model_dump(mode="json"), status=route.status)
    if route.response is not None:
        adapter = TypeAdapter(route.response)
        result = adapter.dump_python(adapter.validate_python(result), mode="json")
    return web.json_response(result, status=route.status)


class RouteTable:
    """The declared routes of one API module, under one OpenAPI tag."""

    def __init__(
        self,
        tag: str,
        description: str = "",
        errors: Mapping[type[Exception], ErrorMapper] | None = None,
    ):
        self.tag = tag
        self.description = description
        self.routes: list[Route] = []
        self._mappers = dict(errors or {})

    def route(
        self,
        method: str,
        path: str,
        *,
        summary: str,
        body: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        path_model: type[BaseModel] | None = None,
        response: Any = None,
        status: int = 200,
        errors: Mapping[int, str] | None = None,
        stream: bool = False,
        public: bool = False,
        probe: bool = False,
        media_type: str = "application/json",
        description: str | None = None,
        images: bool = False,
    ) -> Callable[[Handler], Handler]:
        def declare(handler: Handler) -> Handler:
            self.routes.append(
                Route(
                    method=method.upper(),
                    path=path,
                    handler=handler,
                    tag=self.tag,
                    summary=summary,
                    description=description or inspect.cleandoc(handler.__doc__ or ""),
                    body=body,
                    query=query,
                    path_model=path_model,
                    response=response,
                    status=status,
                    errors=dict(errors or {}),
                    stream=stream,
                    public=public or probe,
                    probe=probe,
                    media_type=media_type,
                    operation_id=f"{self.tag}_{handler.__name__}".replace("-", "_"),
                    images=images,
                )
            )
            return handler

        return declare

    def get(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route("PUT", path, **kw)

    def delete(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route("DELETE", path, **kw)

    def _mapped(self, exc: Exception) -> ApiError | None:
        for kind, mapper in self._mappers.items():
            if isinstance(exc, kind):
                return mapper(exc)
        return None

    def _wrap(self, route: Route) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def handler(request: web.Request) -> web.StreamResponse:
            try:
                kwargs = await _validated(request, route)
                return _to_response(route, await route.handler(request, **kwargs))
            except ApiError as exc:
                return exc.response()
            except web.HTTPException:
                raise
            except Exception as exc:
                mapped = self._mapped(exc)
                if mapped is None:
                    raise
                return mapped.response()

        handler.__auro_route__ = route  # type: ignore[attr-defined]
        handler.__name__ = route.handler.__name__
        return handler

    def add_to(self, app: web.Application) -> None:
        """Register every route on `app` and record them for `/openapi.json`."""
        if ROUTES not in app:
            app[ROUTES] = []
            app[TAGS] = {}
        app[TAGS][self.tag] = self.description
        for route in self.routes:
            app.router.add_route(route.method, route.path, self._wrap(route))
            app[ROUTES].append(route)
