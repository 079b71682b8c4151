"""`auro/chat` (streamed as `auro/chatChunk` and `$/progress`) and `auro/usage`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from server.chat import ChatRequest, FocusCode
from server.lsp import convert, protocol as p
from server.lsp.chat_images import chat_images
from server.lsp.chat_stream import stream_chat
from server.lsp.editor_code import focus_from
from server.lsp.params import parse_params

if TYPE_CHECKING:
    from server.lsp.server import AuroLanguageServer


async def chat_focus(ls: AuroLanguageServer, params: p.ChatParams) -> FocusCode | None:
    if params.uri is None:
        return None
    return await focus_from(ls, params.uri, convert.to_lsp(params.range) if params.range else None)


def setup(server: AuroLanguageServer) -> None:
    @server.feature(p.CHAT)
    async def chat(ls: AuroLanguageServer, raw: Any) -> dict[str, Any]:
        params = parse_params(p.ChatParams, raw, p.CHAT)
        roots = [w.root for w in ls.services.workspaces]
        request = ChatRequest(
            params.message,
            params.session_id,
            await chat_focus(ls, params),
            params.include_rag,
            params.include_tools,
            images=await chat_images(params.images, roots, ls.settings),
        )
        reply = await stream_chat(ls, request, params.work_done_token, request_id=params.request_id)
        return convert.chat_result(reply, roots).wire()

    @server.feature(p.USAGE)
    def usage(ls: AuroLanguageServer, _: Any) -> dict[str, Any]:
        return convert.usage(ls.services.llm.usage.snapshot()).wire()
