"""Chat turns and AI code suggestions over the shared services; nothing here imports pygls."""

from server.chat.models import (
    ChatReply,
    ChatRequest,
    Citation,
    CodeCitation,
    FocusCode,
    WebCitation,
)
from server.chat.service import ChatService, TextSink
from server.chat.suggestions import (
    Suggestion,
    SuggestionFailed,
    SuggestionKind,
    SuggestionRefused,
    SuggestionRequest,
    SuggestionService,
)

__all__ = [
    "ChatReply",
    "ChatRequest",
    "ChatService",
    "Citation",
    "CodeCitation",
    "FocusCode",
    "Suggestion",
    "SuggestionFailed",
    "SuggestionKind",
    "SuggestionRefused",
    "SuggestionRequest",
    "SuggestionService",
    "TextSink",
    "WebCitation",
]
