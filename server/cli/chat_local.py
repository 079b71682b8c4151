"""`auro-pai chat` with no server running: the turn runs in this process, over the same index
and sessions as the server.

The answer streams to stdout as it arrives (or comes as one JSON object with `--json`). The
index is searched as it is: a fresh index gets a few seconds to become keyword-searchable,
but embedding the whole tree is never waited for.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from server.chat.models import ChatRequest
from server.cli.errors import CliError
from server.cli.headless import Headless, OpenFailed, headless
from server.cli.output import echo_text, print_chat_end
from server.config import Settings
from server.indexing.indexer import WorkspaceIndex
from server.llm import ImagePart, ModelLoading
from server.sessions import SessionLimitReached, SessionNotFound

KEYWORD_WAIT_S = 15.0


async def keyword_searchable(index: WorkspaceIndex, timeout: float = KEYWORD_WAIT_S) -> None:
    """Wait (briefly) until the keyword scan is through; embeddings may still be running."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while index.status().phase in ("scanning", "keyword") and loop.time() < deadline:
        await asyncio.sleep(0.1)


async def chat_in_terminal(
    settings: Settings,
    root: Path,
    message: str,
    session_id: str | None,
    include_rag: bool,
    as_json: bool,
    images: tuple[ImagePart, ...] = (),
) -> int:
    """Exit status 0 when the model answered (also when the answer was cut short: a note on
    stderr says so and how to continue), 1 otherwise (the answer says why)."""
    try:
        async with headless(settings, root) as opened:
            request = ChatRequest(message, session_id, include_rag=include_rag, images=images)
            return await answer(opened, request, as_json)
    except OpenFailed as exc:
        raise CliError(str(exc)) from None


async def answer(opened: Headless, request: ChatRequest, as_json: bool) -> int:
    session_id = request.session_id
    if request.include_rag:
        await keyword_searchable(opened.workspace.index)

    async def echo(text: str) -> None:
        if not as_json:
            echo_text(text)

    async def loading(event: ModelLoading) -> None:
        sys.stderr.write(event.message() + "\n")

    try:
        reply = await opened.services.chat.chat(
            request,
            on_text=echo,
            on_loading=loading,
        )
    except SessionNotFound:  # deleted between the CLI's check and the turn
        raise CliError(
            f"no chat session {session_id!r} (it may have expired or been deleted)",
            "start a new one: auro-pai chat MESSAGE",
        ) from None
    except SessionLimitReached as exc:
        raise CliError(str(exc), "wait for a chat to finish, or raise MAX_SESSIONS") from None
    print_chat_end(reply.to_json(), opened.workspace.root, as_json)
    return 0 if reply.status == "completed" else 1
