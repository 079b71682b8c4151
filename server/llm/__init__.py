"""The LLM layer: providers (llama.cpp, OpenAI-compatible, Gemini), failover, budgets, usage.

Feature code needs only what is re-exported here; nothing in this package imports pygls.
"""

from server.llm.budget import (
    BudgetReport,
    ContextChunk,
    FittedPrompt,
    Prompt,
    ToolResult,
    fit_prompt,
)
from server.llm.errors import (
    Attempt,
    ContextOverflow,
    ImagesUnsupported,
    LLMError,
    LLMRequestError,
    LLMUnavailable,
    StillLoading,
    StreamInterrupted,
    UpstreamError,
)
from server.llm.events import ChatEvent, ChatResult, ModelLoading, ReplyDone, ReplyStarted
from server.llm.manager import LLMManager
from server.llm.messages import ImagePart, Message, TextDelta, TextPart, TokenUsage
from server.llm.policy import BreakerPolicy, LoadPolicy, RetryPolicy, Timeouts
from server.llm.usage import UsageTracker

__all__ = [
    "Attempt",
    "BreakerPolicy",
    "BudgetReport",
    "ChatEvent",
    "ChatResult",
    "ContextChunk",
    "ContextOverflow",
    "FittedPrompt",
    "ImagePart",
    "ImagesUnsupported",
    "LLMError",
    "LLMManager",
    "LLMRequestError",
    "LLMUnavailable",
    "LoadPolicy",
    "Message",
    "ModelLoading",
    "Prompt",
    "ReplyDone",
    "ReplyStarted",
    "RetryPolicy",
    "StillLoading",
    "StreamInterrupted",
    "TextDelta",
    "TextPart",
    "Timeouts",
    "ToolResult",
    "TokenUsage",
    "UpstreamError",
    "UsageTracker",
    "fit_prompt",
]
