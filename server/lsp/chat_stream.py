"""One chat turn streamed to the editor: `auro/chatChunk` notifications mirrored as
work-done progress. Used by `auro/chat` and by the commands that answer through chat
(`auro.explain`).

The turn runs in the request's handler task: `$/cancelRequest` (or cancelling its work-done
progress) cancels that task, which closes the upstream LLM stream at once; the chat service
then stores the turn as cancelled with the text sent so far.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import TYPE_CHECKING

from lsprotocol import types

from server.chat import ChatReply, ChatRequest
from server.llm import ModelLoading
from server.lsp import protocol as p

if TYPE_CHECKING:
    from server.lsp.server import AuroLanguageServer


class ChunkStream:
    """Sends the pieces of one answer, numbered from 0, and mirrors them as progress."""

    def __init__(
        self,
        ls: AuroLanguageServer,
        request_id: p.RequestId,
        session_id: str,
        token: p.RequestId | None,
        title: str,
    ) -> None:
        self.ls = ls
        self.request_id = request_id
        self.session_id = session_id
        self.token = token
        self.title = title
        self.index = 0

    def begin(self) -> None:
        """Start progress; cancelling it from the client cancels the current task."""
        if self.token is None:
            return
        self.ls.work_done_progress.begin(
            self.token, types.WorkDoneProgressBegin(title=self.title, cancellable=True)
        )
        task = asyncio.current_task()
        cancelled = self.ls.work_done_progress.tokens.get(self.token)
        if task is not None and cancelled is not None:
            cancelled.add_done_callback(lambda f: f.cancelled() and task.cancel())

    async def send(self, text: str) -> None:
        chunk = p.ChatChunk(
            request_id=self.request_id, session_id=self.session_id, index=self.index, text=text
        )
        self.ls.protocol.notify(p.CHAT_CHUNK, chunk.wire())
        self.index += 1
        if self.token is not None:
            self.ls.work_done_progress.report(
                self.token, types.WorkDoneProgressReport(message=text)
            )

    async def loading(self, event: ModelLoading) -> None:
        """The model is still loading: say so in the progress, so the pause is explained."""
        if self.token is not None:
            self.ls.work_done_progress.report(
                self.token, types.WorkDoneProgressReport(message=event.message())
            )

    def end(self, message: str) -> None:
        if self.token is not None:
            self.ls.work_done_progress.end(self.token, types.WorkDoneProgressEnd(message=message))
            self.ls.work_done_progress.tokens.pop(self.token, None)


async def stream_chat(
    ls: AuroLanguageServer,
    request: ChatRequest,
    token: p.RequestId | None = None,
    title: str = "Auro chat",
    request_id: p.RequestId | None = None,
) -> ChatReply:
    """Run one turn, streaming its text to the client."""
    chat = ls.services.chat
    session_id = await chat.open_session(request.session_id, request.message)
    chunk_id = ls.protocol.msg_id if request_id is None else request_id
    chunks = ChunkStream(ls, chunk_id, session_id, token, title)
    chunks.begin()
    outcome = "failed"
    try:
        reply = await chat.chat(
            # the editors' path keeps its conversation: a session evicted since
            # `open_session` is started again under the same id, not a failed turn
            dataclasses.replace(request, session_id=session_id, create_session=True),
            on_text=chunks.send,
            on_loading=chunks.loading,
        )
        outcome = reply.status
    except asyncio.CancelledError:
        outcome = "cancelled"
        raise
    finally:
        chunks.end(outcome)
    return reply
