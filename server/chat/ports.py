"""What the chat and suggestion services use of the rest of the server, as narrow Protocols.

They take these instead of the whole composition root (`server.services.Services`), so each
dependency is visible in the constructor and a test passes only what a turn touches. The
objects behind them are built once and reconfigured in place when settings change, so
holding one is safe for the life of the server.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # the services import chat to wire it; types only here
    from server.indexing.multi_root import MultiSearch, Workspace
    from server.llm import ChatEvent, Prompt
    from server.llm.events import ChatResult
    from server.sessions import SessionInfo, Turn
    from server.tools.models import SearchAndFetchResult


class CodeSearch(Protocol):
    """The open workspace roots and hybrid search across them."""

    @property
    def workspaces(self) -> list[Workspace]: ...

    def workspace_for(self, path: Path) -> Workspace | None: ...

    async def search(
        self, query: str, k: int = 10, *, workspaces: list[Workspace] | None = None
    ) -> MultiSearch: ...


class WebPages(Protocol):
    """Web search with the top pages read (the guarded tools)."""

    async def search_and_fetch(
        self, query: str, max_results: int = 5, fetch_top: int = 3
    ) -> SearchAndFetchResult: ...


class Streamer(Protocol):
    """A model answer as a stream of events, with failover and budgeting done."""

    def stream(
        self, prompt: Prompt, *, session_id: str | None = None
    ) -> AsyncIterator[ChatEvent]: ...


class Completer(Protocol):
    """A model answer at once (suggestions need the whole edit before checking it)."""

    async def complete(
        self,
        prompt: Prompt,
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
    ) -> ChatResult: ...


class ChatSessions(Protocol):
    """The conversation store: sessions pinned for a turn, their history and new turns."""

    async def create(
        self, title: str = "", session_id: str | None = None, workspaces: Sequence[str] = ()
    ) -> SessionInfo: ...

    def turn(
        self,
        session_id: str | None,
        title: str = "",
        *,
        create: bool = False,
        workspaces: Sequence[str] = (),
    ) -> AbstractAsyncContextManager[SessionInfo]: ...

    async def history(self, session_id: str, limit: int | None = None) -> list[Turn]: ...

    async def append(self, session_id: str, turn: Turn) -> Turn: ...
