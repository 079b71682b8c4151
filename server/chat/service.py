"""One chat turn, front-end neutral: session, context, budgeted prompt, streamed answer, storage.

The LSP request, the REST route and the CLI all call `ChatService.chat`; they differ only in
where the text pieces go (`on_text`). Cancelling the calling task closes the upstream stream
at once and stores the turn as cancelled with the text sent so far.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import aclosing

from server.chat.context import PromptContext, gather
from server.chat.models import ChatReply, ChatRequest, CodeCitation
from server.chat.ports import ChatSessions, CodeSearch, Streamer, WebPages
from server.chat.reply_notes import context_notices, truncation_notice
from server.llm import (
    LLMError,
    LLMUnavailable,
    Message,
    ModelLoading,
    Prompt,
    ReplyDone,
    ReplyStarted,
    StreamInterrupted,
    TextDelta,
    TextPart,
)
from server.sessions import Turn, as_history

log = logging.getLogger(__name__)

TextSink = Callable[[str], Awaitable[None]]
LoadingSink = Callable[[ModelLoading], Awaitable[None]]
HISTORY_TURNS = 40

SYSTEM_PROMPT = (
    "You are Auro, a coding assistant inside the user's editor. Answer precisely and concisely. "
    "Base your answer on the code provided and say so when it is not enough. When you refer to "
    "provided code, name its path and lines. Put code in fenced blocks with a language tag."
)


def question_text(request: ChatRequest) -> str:
    """The user's message, with their selection attached (a whole buffer goes in as context)."""
    focus = request.focus
    if focus is None or focus.whole_file:
        return request.message
    return (
        f"{request.message}\n\nSelected code ({focus.path.name}, lines "
        f"{focus.start_line}-{focus.end_line}):\n```{focus.language}\n{focus.text}\n```"
    )


def question_message(request: ChatRequest) -> str | Message:
    """The question as text, or as text and image parts when images are attached."""
    text = question_text(request)
    if not request.images:
        return text
    return Message("user", (TextPart(text), *request.images))


def fallback_text(context: PromptContext, error: LLMUnavailable) -> str:
    """Without a model: list what retrieval found, and say what to configure."""
    found = [c for c in context.citations() if isinstance(c, CodeCitation)]
    if found:
        lines = "\n".join(
            f"- {c.path}:{c.start_line}-{c.end_line}" + (f" ({c.symbol})" if c.symbol else "")
            for c in found
        )
        head = f"No language model is available. Code related to your question:\n{lines}"
    else:
        head = "No language model is available, and no related code was found in the index."
    return f"{head}\n\n{error}"


class ChatService:
    """Runs chat turns: `code` and `web` give the context, `llm` the answer, `sessions`
    keep the conversation."""

    def __init__(
        self, *, llm: Streamer, sessions: ChatSessions, code: CodeSearch, web: WebPages
    ) -> None:
        self.llm = llm
        self.sessions = sessions
        self.code = code
        self.web = web

    async def open_session(self, session_id: str | None, title: str) -> str:
        """The given session, created under that id if it does not exist (yet or any more);
        the editors' path, which keeps one conversation going across expiry."""
        info = await self.sessions.create(title, session_id, self._roots())
        return info.id

    async def chat(
        self,
        request: ChatRequest,
        on_text: TextSink | None = None,
        on_loading: LoadingSink | None = None,
        on_start: Callable[[], Awaitable[object]] | None = None,
    ) -> ChatReply:
        """Answer one message; `on_text` receives each piece of the answer as it arrives,
        `on_loading` the progress while the server is still loading its model.

        The session is pinned for the whole turn (never evicted or expired meanwhile). An
        unknown `session_id` raises `SessionNotFound` unless `request.create_session`;
        `SessionLimitReached` when every session has a turn in flight. `on_start` runs once
        the session is settled: after it, only the answer itself can fail."""
        async with self.sessions.turn(
            request.session_id,
            request.message,
            create=request.create_session,
            workspaces=self._roots(),
        ) as session:
            if on_start is not None:
                await on_start()
            return await self._turn(request, session.id, on_text, on_loading)

    def _roots(self) -> list[str]:
        """The workspace roots a new session belongs to (the web UI lists sessions by root)."""
        return [str(w.root) for w in self.code.workspaces]

    async def _turn(
        self,
        request: ChatRequest,
        session_id: str,
        on_text: TextSink | None,
        on_loading: LoadingSink | None,
    ) -> ChatReply:
        reply = ChatReply(session_id, "")
        question_stored = False
        try:
            history = as_history(await self.sessions.history(session_id, HISTORY_TURNS))
            context = await gather(
                self.code,
                self.web,
                request.message,
                request.focus,
                include_rag=request.include_rag,
                include_tools=request.include_tools,
            )
            await self.sessions.append(session_id, Turn("user", request.message))
            question_stored = True
            prompt = Prompt(
                question=question_message(request),
                system=SYSTEM_PROMPT,
                chunks=context.chunks,
                tool_results=context.tool_results,
                history=history,
            )
            await self._stream(prompt, reply, context, on_text, on_loading)
        except asyncio.CancelledError:
            # Also while the context was gathered (the server exits, the client cancels):
            # the question is kept with its cancelled answer.
            reply.status, reply.error = "cancelled", "cancelled by the client"
            question = None if question_stored else request.message
            await asyncio.shield(self._store(reply, question))
            raise
        await self._store(reply)
        return reply

    async def _stream(
        self,
        prompt: Prompt,
        reply: ChatReply,
        context: PromptContext,
        on_text: TextSink | None,
        on_loading: LoadingSink | None = None,
    ) -> None:
        """Fill `reply` from the model's stream; failures become its status and error."""
        parts: list[str] = []

        async def emit(text: str) -> None:
            parts.append(text)
            reply.text = "".join(parts)
            if on_text is not None:
                await on_text(text)

        stream = self.llm.stream(prompt, session_id=reply.session_id)
        try:
            async with aclosing(stream):
                async for event in stream:
                    if isinstance(event, ReplyStarted):
                        reply.provider, reply.model = event.provider, event.model
                        reply.citations = context.citations(event.budget)
                        reply.notices = context_notices(event.budget)
                    elif isinstance(event, TextDelta):
                        await emit(event.text)
                    elif isinstance(event, ModelLoading) and on_loading is not None:
                        await on_loading(event)
                    elif isinstance(event, ReplyDone):
                        reply.usage = {
                            "prompt_tokens": event.usage.prompt_tokens,
                            "completion_tokens": event.usage.completion_tokens,
                            "total_tokens": event.usage.total_tokens,
                            "estimated": event.usage.estimated,
                        }
                        if event.truncated:
                            reply.truncated = True
                            reply.notices.append(truncation_notice(event))
        except LLMUnavailable as exc:
            log.warning("chat without a model: %s", exc)
            reply.status, reply.error = "error", str(exc)
            reply.citations = context.citations()  # what the fallback lists, not sent
            await emit(fallback_text(context, exc))
        except StreamInterrupted as exc:
            log.warning("chat stream interrupted: %s", exc)
            reply.status, reply.error = "error", str(exc)
        except LLMError as exc:
            log.warning("chat request failed: %s", exc)
            reply.status, reply.error = "error", str(exc)
            if not parts:
                await emit(str(exc))

    async def _store(self, reply: ChatReply, question: str | None = None) -> None:
        """The answer, after `question` when that is not stored yet."""
        if question is not None:
            await self.sessions.append(reply.session_id, Turn("user", question))
        usage: dict[str, object] = dict(reply.usage)
        if reply.error:
            usage["error"] = reply.error
        if reply.truncated:
            usage["truncated"] = True
        await self.sessions.append(
            reply.session_id,
            Turn(
                "assistant",
                reply.text,
                status=reply.status,
                provider=reply.provider,
                model=reply.model,
                usage=usage,
                citations=[c.to_json() for c in reply.citations],
            ),
        )
