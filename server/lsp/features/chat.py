"""`auro/chat` (streamed as `auro/chatChunk` and `$/progress`) and `auro/usage`.

A chat request runs as pygls' handler task: `$/cancelRequest` (or cancelling its work-done
progress) cancels that task, which closes the upstream LLM stream at once; the chat service
then stores the turn as cancelled with the text sent so far.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from lsprotocol import types
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from server.chat import ChatReply, ChatRequest, ChatService, FocusCode
from server.llm import ModelLoading
from server.lsp.editor_code import RangeModel, focus_from, lsp_citation
from server.lsp.params import parse_params
from server.lsp.server import AuroLanguageServer

CHAT = "auro/chat"
CHAT_CHUNK = "auro/chatChunk"
USAGE = "auro/usage"


class ChatParams(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    message: str = Field(min_length=1, max_length=100_000)
    session_id: str | None = Field(None, min_length=1, max_length=200)
    uri: str | None = None
    range: RangeModel | None = None
    include_rag: bool = True
    include_tools: bool = False
    work_done_token: int | str | None = None
    # The client's own id for routing chunks: clients that cannot see JSON-RPC ids send one.
    request_id: int | str | None = None


def chat_result(reply: ChatReply) -> dict[str, Any]:
    return {
        "sessionId": reply.session_id,
        "text": reply.text,
        "citations": [lsp_citation(c) for c in reply.citations],
        "usage": reply.usage,
        "provider": reply.provider,
        "model": reply.model,
        "status": reply.status,
        "error": reply.error,
        "truncated": reply.truncated,
        "notices": reply.notices,
    }


class ChunkStream:
    """Sends the pieces of one answer, numbered from 0, and mirrors them as progress."""

    def __init__(
        self,
        ls: AuroLanguageServer,
        request_id: Any,
        session_id: str,
        token: int | str | None,
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
        self.ls.protocol.notify(
            CHAT_CHUNK,
            {
                "requestId": self.request_id,
                "sessionId": self.session_id,
                "index": self.index,
                "text": text,
            },
        )
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
    token: int | str | None = None,
    title: str = "Auro chat",
    request_id: int | str | None = None,
) -> ChatReply:
    """Run one turn, streaming its text to the client; shared by `auro/chat` and commands."""
    chat = ChatService(ls.services)
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


async def chat_focus(ls: AuroLanguageServer, params: ChatParams) -> FocusCode | None:
    if params.uri is None:
        return None
    return await focus_from(ls, params.uri, params.range.lsp() if params.range else None)


def setup(server: AuroLanguageServer) -> None:
    @server.feature(CHAT)
    async def chat(ls: AuroLanguageServer, raw: Any) -> dict[str, Any]:
        params = parse_params(ChatParams, raw, CHAT)
        request = ChatRequest(
            params.message,
            params.session_id,
            await chat_focus(ls, params),
            params.include_rag,
            params.include_tools,
        )
        reply = await stream_chat(ls, request, params.work_done_token, request_id=params.request_id)
        return chat_result(reply)

    @server.feature(USAGE)
    def usage(ls: AuroLanguageServer, _: Any) -> dict[str, Any]:
        return ls.services.llm.usage.snapshot()
