"""REST front of chat: a turn as JSON or Server-Sent Events, sessions, LLM usage.

Sessions live in the shared SessionStore, so a conversation started in the editor continues
here and the other way round. A streaming client that disconnects cancels generation: the
upstream stream is closed and the turn is stored as cancelled.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from typing import Any

from aiohttp import web
from pydantic import BaseModel, Field

from server.chat import ChatReply, ChatRequest, ChatService
from server.http.routing import SERVICES, ApiError, RouteTable, services_of
from server.llm import ModelLoading
from server.services import Services
from server.sessions import SessionNotFound

log = logging.getLogger(__name__)

CHAT = web.AppKey("auro_chat", ChatService)
routes = RouteTable("chat", "Chat turns (JSON or Server-Sent Events), sessions and LLM usage")

SSE_HEADERS = {"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
DISCONNECT_POLL_S = 0.1


class ChatBody(BaseModel):
    message: str = Field(min_length=1, max_length=100_000)
    session_id: str | None = Field(None, min_length=1, max_length=200)
    include_rag: bool = True
    include_tools: bool = False
    stream: bool = False


class ChatResponse(BaseModel):
    session_id: str
    text: str
    citations: list[dict[str, Any]]
    usage: dict[str, Any]
    provider: str | None
    model: str | None
    status: str
    error: str | None
    truncated: bool = Field(
        False, description='The reply limit or the window cut the answer; send "continue"'
    )
    notices: list[str] = Field(
        default_factory=list, description="Context cut or left out, truncation: for the user"
    )


class SessionOut(BaseModel):
    id: str
    title: str
    created_at: float
    last_used: float
    turn_count: int
    workspaces: list[str]


class SessionList(BaseModel):
    sessions: list[SessionOut]


class SessionFilter(BaseModel):
    workspace: str | None = Field(
        None,
        min_length=1,
        max_length=600,
        pattern=r"^[^\x00]+$",
        description="only sessions started in this root (as /api/v1/rag/stats names it)",
    )


class TurnOut(BaseModel):
    id: int | None
    role: str
    content: str
    status: str
    provider: str | None
    model: str | None
    usage: dict[str, Any]
    citations: list[dict[str, Any]]
    created_at: float


class History(BaseModel):
    session_id: str
    turns: list[TurnOut]


class SessionPath(BaseModel):
    session_id: str = Field(min_length=1, max_length=200)


class Deleted(BaseModel):
    session_id: str
    deleted: bool


class UsageTotalsOut(BaseModel):
    requests: int
    completed: int
    cancelled: int
    errors: int
    estimated: int
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    avg_latency_s: float
    avg_first_token_s: float


class UsageOut(BaseModel):
    totals: UsageTotalsOut
    providers: dict[str, UsageTotalsOut]
    models: dict[str, UsageTotalsOut]
    sessions: dict[str, UsageTotalsOut]
    recent_errors: list[dict[str, Any]]


def reply_model(reply: ChatReply) -> ChatResponse:
    return ChatResponse.model_validate(reply.to_json())


def sse(payload: Any) -> bytes:
    data = payload if isinstance(payload, str) else json.dumps(payload)
    return f"data: {data}\n\n".encode()


async def cancel_on_disconnect(request: web.Request, task: asyncio.Task[Any]) -> None:
    """Cancel `task` as soon as the client's connection closes."""
    while not task.done():
        transport = request.transport
        if transport is None or transport.is_closing():
            log.info("chat client disconnected; cancelling generation")
            task.cancel()
            return
        await asyncio.sleep(DISCONNECT_POLL_S)


async def stream_chat(
    request: web.Request, chat: ChatService, chat_request: ChatRequest
) -> web.StreamResponse:
    """`data: {"text": ...}` per piece (`{"loading": ...}` while the model loads), then the
    full result, then `data: [DONE]`."""
    response = web.StreamResponse(headers=SSE_HEADERS)
    await response.prepare(request)

    async def send_event(payload: dict[str, Any]) -> None:
        try:
            await response.write(sse(payload))
        except ConnectionError:
            task.cancel()  # the client is gone: stop generating now
            await asyncio.sleep(0)

    async def send_text(text: str) -> None:
        await send_event({"text": text})

    async def send_loading(event: ModelLoading) -> None:
        await send_event({"loading": event.to_json()})

    task = asyncio.create_task(chat.chat(chat_request, on_text=send_text, on_loading=send_loading))
    watcher = asyncio.create_task(cancel_on_disconnect(request, task))
    try:
        reply = await asyncio.shield(task)
    except asyncio.CancelledError:
        if not task.done():
            task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        if asyncio.current_task().cancelling():
            raise
        return response
    finally:
        watcher.cancel()
    try:
        await response.write(sse(reply_model(reply).model_dump(mode="json")))
        await response.write(sse("[DONE]"))
        await response.write_eof()
    except ConnectionError:
        log.info("chat client disconnected before the final event")
    return response


def _not_found(session_id: str) -> ApiError:
    return ApiError(404, "session_not_found", f"no chat session {session_id!r}")


@routes.post(
    "/api/v1/chat",
    body=ChatBody,
    response=ChatResponse,
    stream=True,
    summary="One chat turn: JSON, or Server-Sent Events when `stream` is true",
)
async def post_chat(request: web.Request, body: ChatBody) -> web.StreamResponse | ChatResponse:
    """With `stream: true`: `data: {"text": ...}` per piece, then the full result as a
    `ChatResponse`, then `data: [DONE]`. A client that disconnects cancels generation."""
    chat = request.app[CHAT]
    chat_request = ChatRequest(
        body.message,
        body.session_id,
        include_rag=body.include_rag,
        include_tools=body.include_tools,
    )
    if body.stream:
        return await stream_chat(request, chat, chat_request)
    return reply_model(await chat.chat(chat_request))


@routes.get(
    "/api/v1/chat/sessions",
    query=SessionFilter,
    response=SessionList,
    summary="Chat sessions (of one workspace root with ?workspace=), newest first",
)
async def list_sessions(request: web.Request, query: SessionFilter) -> SessionList:
    root = query.workspace and os.path.normpath(query.workspace)
    infos = await services_of(request).sessions.list(root)
    return SessionList(sessions=[SessionOut(**i.to_json()) for i in infos])


@routes.get(
    "/api/v1/chat/sessions/{session_id}/history",
    path_model=SessionPath,
    response=History,
    errors={404: "no such session"},
    summary="The turns of one session",
)
async def history(request: web.Request, path: SessionPath) -> History:
    try:
        turns = await services_of(request).sessions.history(path.session_id)
    except SessionNotFound:
        raise _not_found(path.session_id) from None
    return History(session_id=path.session_id, turns=[TurnOut(**t.to_json()) for t in turns])


@routes.delete(
    "/api/v1/chat/sessions/{session_id}",
    path_model=SessionPath,
    response=Deleted,
    errors={404: "no such session"},
    summary="Delete a session and its history",
)
async def delete_session(request: web.Request, path: SessionPath) -> Deleted:
    if not await services_of(request).sessions.delete(path.session_id):
        raise _not_found(path.session_id)
    return Deleted(session_id=path.session_id, deleted=True)


@routes.get("/api/v1/llm/usage", response=UsageOut, summary="LLM usage by provider and model")
async def usage(request: web.Request) -> dict[str, Any]:
    return services_of(request).llm.usage.snapshot()


def add_routes(app: web.Application, services: Services) -> None:
    app[SERVICES] = services
    app[CHAT] = ChatService(services)
    routes.add_to(app)
