"""REST front of the tools: search, fetch and search-and-fetch, with typed JSON errors."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, Field

from server.http.errors import ApiError
from server.http.routing import RouteTable
from server.tools import InvalidUrl, ToolError, ToolService
from server.tools.models import (
    FetchedPage,
    SafeSearch,
    SearchAndFetchResult,
    SearchOptions,
    SearchResult,
    TimeRange,
)

TOOLS = web.AppKey("auro_tools", ToolService)

STATUS_BY_CODE = {
    "tool_disabled": 503,
    "invalid_url": 400,
    "blocked_address": 403,
    "robots_disallowed": 403,
    "unsupported_content_type": 415,
    "too_large": 413,
    "too_many_redirects": 502,
    "upstream_status": 502,
    "fetch_failed": 502,
    "fetch_timeout": 504,
    "search_failed": 502,
}


def _tool_error(exc: Exception) -> ApiError:
    assert isinstance(exc, ToolError)
    return ApiError(STATUS_BY_CODE.get(exc.code, 400), exc.code, exc.message, exc.details or None)


routes = RouteTable(
    "tools", "Web search and page fetching (SSRF-guarded)", errors={ToolError: _tool_error}
)


class SearchRequest(BaseModel):
    query: str = Field(min_length=1, max_length=500)
    max_results: int = Field(5, ge=1, le=20)
    region: str = Field("wt-wt", max_length=10)
    safesearch: SafeSearch = "moderate"
    timelimit: TimeRange | None = None

    def options(self) -> SearchOptions:
        return SearchOptions(
            max_results=self.max_results,
            region=self.region,
            safesearch=self.safesearch,
            timelimit=self.timelimit,
        )


class SearchResponse(BaseModel):
    query: str
    results: list[SearchResult]


class FetchRequest(BaseModel):
    url: str = Field(min_length=1, max_length=4096)


class SearchAndFetchRequest(SearchRequest):
    fetch_top: int = Field(3, ge=0, le=10)


SEARCH_ERRORS = {502: "the search engine failed", 503: "web search is disabled"}
FETCH_ERRORS = {
    400: "invalid URL",
    403: "blocked address or robots.txt refusal",
    413: "page larger than AURO_FETCH_MAX_BYTES",
    415: "unsupported content type",
    502: "upstream failure",
    503: "fetching is disabled",
    504: "fetch timed out",
}


def _tools(request: web.Request) -> ToolService:
    return request.app[TOOLS]


@routes.post(
    "/api/v1/tools/search",
    body=SearchRequest,
    response=SearchResponse,
    errors=SEARCH_ERRORS,
    summary="Search the web",
)
async def search(request: web.Request, body: SearchRequest) -> SearchResponse:
    results = await _tools(request).search(body.query, body.max_results, body.options())
    return SearchResponse(query=body.query, results=results)


@routes.post(
    "/api/v1/tools/fetch",
    body=FetchRequest,
    response=FetchedPage,
    errors=FETCH_ERRORS,
    summary="Fetch one page as readable text",
)
async def fetch(request: web.Request, body: FetchRequest) -> FetchedPage:
    try:
        return await _tools(request).fetch(body.url)
    except InvalidUrl as exc:  # the caller's own URL: say which field is wrong
        raise ApiError(400, exc.code, exc.message, {"field": "url", **exc.details}) from None


@routes.post(
    "/api/v1/tools/search-and-fetch",
    body=SearchAndFetchRequest,
    response=SearchAndFetchResult,
    errors={**SEARCH_ERRORS, 400: "invalid request"},
    summary="Search, then read the top pages",
)
async def search_and_fetch(request: web.Request, body: SearchAndFetchRequest):
    return await _tools(request).search_and_fetch(
        body.query, body.max_results, body.fetch_top, body.options()
    )


def add_routes(app: web.Application, tools: ToolService) -> None:
    """`tools` is reconfigured in place when settings change, so the routes keep it."""
    app[TOOLS] = tools
    routes.add_to(app)
