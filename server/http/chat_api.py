"""REST front of chat: a turn as JSON or Server-Sent Events, sessions, LLM usage.

Sessions live in the shared SessionStore, so a conversation started in the editor continues
here and the other way round; an id that is not live is a 404 here as in history and DELETE.
A client that disconnects (JSON or SSE) cancels generation: the upstream stream is closed,
the turn is stored as cancelled and its stream slot is freed at once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Awaitable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, Field

from server.chat import ChatReply, ChatRequest, ChatService
from server.chat.images import ImageLimits, ImageRejected, check_count, image_from_text
from server.config import Settings
from server.http.cited_paths import relative_citations
from server.http.errors import ApiError, error_payload, json_error, sse_error
from server.http.routing import SERVICES, RouteTable, services_of
from server.llm import ImagePart, ModelLoading
from server.services import Services
from server.sessions import SessionLimitReached, SessionNotFound

log = logging.getLogger(__name__)

CHAT = web.AppKey("auro_chat", ChatService)

SSE_HEADERS = {"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
DISCONNECT_POLL_S = 0.1
SESSIONS_RETRY_AFTER = 5
T = TypeVar("T")


class ChatBody(BaseModel):
    message: str = Field(min_length=1, max_length=100_000)
    session_id: str | None = Field(None, min_length=1, max_length=200)
    include_rag: bool = True
    include_tools: bool = False
    stream: bool = False
    create_session: bool = Field(
        False, description="start the session under `session_id` if it does not exist"
    )
    images: list[str] = Field(
        default_factory=list,
        max_length=16,
        description="PNG, JPEG, GIF or WebP images as `data:image/...;base64,` URLs or bare "
        "base64, sent with the question to a model that sees images (AURO_CHAT_MAX_IMAGES, "
        "AURO_CHAT_MAX_IMAGE_BYTES: 413 beyond them, 422 for anything that is not an image)",
    )


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


def attached_images(values: list[str], settings: Settings) -> tuple[ImagePart, ...]:
    """The body's images, decoded and checked; an ApiError says which one and why."""
    limits = ImageLimits.from_settings(settings)
    try:
        check_count(values, limits)
        return tuple(
            image_from_text(value, limits, f"images[{i}]") for i, value in enumerate(values)
        )
    except ImageRejected as exc:
        code = "image_too_large" if exc.status == 413 else "invalid_image"
        raise ApiError(exc.status, code, str(exc)) from None


def reply_model(reply: ChatReply, roots: Sequence[Path]) -> ChatResponse:
    """The reply as sent: code citations relative to their workspace root."""
    document = reply.to_json()
    document["citations"] = relative_citations(document["citations"], roots)
    return ChatResponse.model_validate(document)


def roots_of(request: web.Request) -> list[Path]:
    return [w.root for w in services_of(request).workspaces]


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


async def until_disconnect(request: web.Request, turn: Awaitable[T]) -> T | None:
    """`turn`'s result, or None when the client disconnected first: then `turn` has been
    cancelled (closing the upstream stream and freeing the stream slot) and has finished."""
    task = asyncio.ensure_future(turn)
    watcher = asyncio.create_task(cancel_on_disconnect(request, task))
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        if not task.done():
            task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        current = asyncio.current_task()
        if current is not None and current.cancelling():
            raise
        return None
    finally:
        watcher.cancel()


def stream_error(exc: Exception) -> dict[str, Any]:
    """The final `event: error` payload for a failure after the stream started."""
    if isinstance(exc, ApiError):
        return error_payload(exc.code, exc.message, exc.details)
    if isinstance(exc, SessionNotFound):
        return error_payload("session_not_found", "the chat session was deleted during the turn")
    log.error("chat stream failed after it started", exc_info=exc)
    return error_payload("internal_error", "internal server error; see the server log")


async def stream_chat(
    request: web.Request, chat: ChatService, chat_request: ChatRequest
) -> web.StreamResponse:
    """`data: {"text": ...}` per piece (`{"loading": ...}` while the model loads), then the
    full result, then `data: [DONE]`.

    Headers go out once the session is settled, so a missing session or a full store is
    still a plain JSON error with its status; a failure after that ends the stream with one
    `event: error` carrying the error object."""
    response = web.StreamResponse(headers=SSE_HEADERS)

    async def send_event(payload: dict[str, Any]) -> None:
        try:
            await response.write(sse(payload))
        except ConnectionError:
            raise asyncio.CancelledError from None  # the client is gone: stop generating

    async def send_text(text: str) -> None:
        await send_event({"text": text})

    async def send_loading(event: ModelLoading) -> None:
        await send_event({"loading": event.to_json()})

    turn = chat.chat(
        chat_request,
        on_text=send_text,
        on_loading=send_loading,
        on_start=lambda: response.prepare(request),
    )
    try:
        reply = await until_disconnect(request, turn)
        if reply is None:
            return response if response.prepared else client_gone()
        final = reply_model(reply, roots_of(request))
        await response.write(sse(final.model_dump(mode="json")))
        await response.write(sse("[DONE]"))
    except ConnectionError:
        log.info("chat client disconnected before the final event")
        return response
    except Exception as exc:
        if not response.prepared:
            raise  # nothing sent yet: the usual JSON error with a status
        try:
            await response.write(sse_error(stream_error(exc)))
        except ConnectionError:
            return response
    await response.write_eof()
    return response


def client_gone() -> web.Response:
    """What a handler returns once its client has gone (only the access log sees it)."""
    return json_error(499, "client_closed_request", "the client closed the connection")


def _not_found(session_id: str) -> ApiError:
    return ApiError(404, "session_not_found", f"no chat session {session_id!r}")


def _session_error(exc: Exception) -> ApiError:
    if isinstance(exc, SessionLimitReached):
        return ApiError(
            503, "sessions_busy", str(exc), headers={"Retry-After": str(SESSIONS_RETRY_AFTER)}
        )
    assert isinstance(exc, SessionNotFound)
    return ApiError(
        404,
        "session_not_found",
        f"no chat session {exc.args[0]!r} (deleted, expired or never created); omit "
        "session_id, or set create_session, to start one",
    )


routes = RouteTable(
    "chat",
    "Chat turns (JSON or Server-Sent Events), sessions and LLM usage",
    errors={SessionNotFound: _session_error, SessionLimitReached: _session_error},
)


@routes.post(
    "/api/v1/chat",
    body=ChatBody,
    response=ChatResponse,
    stream=True,
    images=True,
    errors={
        404: "no such session (and `create_session` is not set)",
        413: "too many images, or one larger than AURO_CHAT_MAX_IMAGE_BYTES",
        422: "invalid body, or an image that is not PNG, JPEG, GIF or WebP",
        503: "every one of MAX_SESSIONS sessions has a turn in flight (Retry-After)",
    },
    summary="One chat turn: JSON, or Server-Sent Events when `stream` is true",
)
async def post_chat(request: web.Request, body: ChatBody) -> web.StreamResponse | ChatResponse:
    """With `stream: true`: `data: {"text": ...}` per piece, then the full result as a
    `ChatResponse`, then `data: [DONE]`; a failure after the first piece ends the stream with
    `event: error` and `data: {"error": {...}}` instead. A client that disconnects cancels
    generation on either path. `session_id` must name a live session unless
    `create_session` is true (then it is started under that id if missing, idempotently);
    without `session_id` a new session is started."""
    chat = request.app[CHAT]
    chat_request = ChatRequest(
        body.message,
        body.session_id,
        include_rag=body.include_rag,
        include_tools=body.include_tools,
        create_session=body.create_session,
        images=attached_images(body.images, services_of(request).settings),
    )
    if body.stream:
        return await stream_chat(request, chat, chat_request)
    reply = await until_disconnect(request, chat.chat(chat_request))
    return client_gone() if reply is None else reply_model(reply, roots_of(request))


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
    roots = roots_of(request)
    return History(
        session_id=path.session_id,
        turns=[
            TurnOut(**(t.to_json() | {"citations": relative_citations(t.citations, roots)}))
            for t in turns
        ],
    )


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
    app[CHAT] = services.chat
    routes.add_to(app)
