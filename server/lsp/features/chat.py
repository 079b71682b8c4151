"""`auro/chat` (streamed as `auro/chatChunk` and `$/progress`) and `auro/usage`.

A chat request runs as pygls' handler task: `$/cancelRequest` (or cancelling its work-done
progress) cancels that task, which closes the upstream LLM stream at once; the chat service
then stores the turn as cancelled with the text sent so far.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from server.chat import ChatReply, ChatRequest, FocusCode
from server.lsp.chat_stream import stream_chat
from server.lsp.editor_code import RangeModel, focus_from, lsp_citation
from server.lsp.params import parse_params

if TYPE_CHECKING:
    from server.lsp.server import AuroLanguageServer

CHAT = "auro/chat"
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
