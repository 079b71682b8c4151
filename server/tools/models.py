"""Results of the tools. Page text is untrusted web content: callers must present it as data."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

SafeSearch = Literal["on", "moderate", "off"]
TimeRange = Literal["d", "w", "m", "y"]


class SearchOptions(BaseModel):
    """Engine-neutral search knobs; `region` uses the ddgs form such as `us-en` or `wt-wt`."""

    max_results: int = Field(5, ge=1)
    region: str = "wt-wt"
    safesearch: SafeSearch = "moderate"
    timelimit: TimeRange | None = None


class SearchResult(BaseModel):
    """One search hit as the engine described it."""

    title: str
    url: str
    snippet: str = ""


class FetchedPage(BaseModel):
    """Readable text of one fetched URL; `url` is the final address after redirects."""

    url: str
    requested_url: str
    title: str = ""
    text: str = ""
    content_type: str = ""
    canonical_url: str | None = None
    truncated: bool = False


class FetchFailure(BaseModel):
    """Why one URL of a search-and-fetch could not be read."""

    url: str
    code: str
    message: str


class SearchAndFetchResult(BaseModel):
    """Search hits, the pages read from the top ones, and the ones that failed."""

    query: str
    results: list[SearchResult]
    pages: list[FetchedPage]
    failures: list[FetchFailure]
