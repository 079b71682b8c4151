"""Turn stored turns into LLM history: only exchanges that completed are replayed."""

from __future__ import annotations

from collections.abc import Sequence

from server.llm.messages import Message
from server.sessions.models import Turn


def as_history(turns: Sequence[Turn]) -> list[Message]:
    """User/assistant pairs whose answer completed; failed or cancelled exchanges are left
    out so the model never sees half answers or questions it did not answer."""
    messages: list[Message] = []
    for question, answer in zip(turns, turns[1:], strict=False):
        if question.role == "user" and answer.role == "assistant" and answer.status == "completed":
            messages += [Message("user", question.content), Message("assistant", answer.content)]
    return messages
