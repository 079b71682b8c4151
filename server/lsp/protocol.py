"""The editor protocol: every `auro/*` request, result and notification, and the arguments
and results of the server's `workspace/executeCommand` commands, as pydantic models.

This module is the contract. Field names are snake_case in Python and camelCase on the wire
(`Wire.wire()`); `docs/protocol.schema.json` is generated from it (`python -m
server.lsp.protocol_schema`), and tests check that the VS Code extension and the Neovim
plugin use only fields it declares. docs/protocol.md explains each method.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field

from server.chat.suggestions import SuggestionKind
from server.indexing.progress import Phase, SkipReason, State

# re-exported, so the whole contract reads as `p.<Model>` (`p.InlineItem`, `p.Range`)
from server.lsp.protocol_inline import (
    InlineCompletionParams as InlineCompletionParams,
    InlineCompletionResult as InlineCompletionResult,
    InlineContext as InlineContext,
    InlineItem as InlineItem,
    TextDocumentId as TextDocumentId,
)
from server.lsp.protocol_wire import (
    Location as Location,
    Position as Position,
    Range as Range,
    Wire,
)
from server.sessions.models import TurnStatus

CHAT = "auro/chat"
CHAT_CHUNK = "auro/chatChunk"
USAGE = "auro/usage"
SEARCH = "auro/search"
INDEX_STATUS = "auro/indexStatus"
STATUS = "auro/status"
INLINE_COMPLETION = "auro/inlineCompletion"

SEARCH_COMMAND = "auro.search"
REINDEX_COMMAND = "auro.reindex"
PAUSE_COMMAND = "auro.pauseIndexing"
RESUME_COMMAND = "auro.resumeIndexing"
APPLY_COMMAND = "auro.applySuggestion"
EXPLAIN_COMMAND = "auro.explain"

RequestId = int | str


# -- auro/chat, auro/chatChunk ---------------------------------------------------------------


class ChatParams(Wire):
    """`auro/chat` params. `uri` (and `range`) name the code the question is about; the
    open buffer's text is used, unsaved edits included."""

    message: str = Field(min_length=1, max_length=100_000)
    session_id: str | None = Field(None, min_length=1, max_length=200)
    uri: str | None = None
    range: Range | None = None
    include_rag: bool = True
    include_tools: bool = False
    work_done_token: RequestId | None = None
    # The client's own id for routing chunks: clients that cannot see JSON-RPC ids send one.
    request_id: RequestId | None = None
    # `file:` URIs of PNG, JPEG, GIF or WebP images inside the workspace, for a model that
    # sees images (AURO_CHAT_MAX_IMAGES, AURO_CHAT_MAX_IMAGE_BYTES).
    images: list[str] = Field(default_factory=list, max_length=16)


class CodeCitation(Wire):
    """Workspace code the answer was based on: `uri` and whole-line `range` to open it;
    `path` relative to `root` (as in search hits), or absolute with `root` null when the
    file lies in no workspace root."""

    uri: str
    range: Range
    symbol: str
    path: str
    root: str | None


class WebCitation(Wire):
    """A web page the answer was based on (untrusted content)."""

    url: str
    title: str


class ReplyUsage(Wire):
    """Tokens of one turn; `estimated` when the server counted them itself."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    estimated: bool


class ChatResult(Wire):
    """The `auro/chat` result. `truncated`: the reply limit or the window cut the answer;
    `notices`: what the user must know (context cut or left out, truncation), one line each;
    `usage` is null when the turn never reached a model."""

    session_id: str
    text: str
    citations: list[CodeCitation | WebCitation]
    usage: ReplyUsage | None
    provider: str | None
    model: str | None
    status: TurnStatus
    error: str | None
    truncated: bool
    notices: list[str]


class ChatChunk(Wire):
    """`auro/chatChunk`: one piece of a streamed answer, numbered from 0. `requestId` is the
    params' `requestId`, or the JSON-RPC id of the `auro/chat` request."""

    request_id: RequestId
    session_id: str
    index: int
    text: str


# -- auro/search, auro/indexStatus -----------------------------------------------------------


class SearchParams(Wire):
    query: str = Field(min_length=1, max_length=2000)
    k: int = Field(10, ge=1, le=100)
    paths: list[str] | None = None
    languages: list[str] | None = None
    group: bool = False  # one result per file (its best place)


class SearchHit(Wire):
    """One result: `path` relative to `root`, 1-based inclusive lines; `location` in LSP
    terms (0-based, ending at column 0 of the line after the last)."""

    path: str
    start_line: int
    end_line: int
    symbol: str
    language: str
    score: float
    snippet: str
    retrievers: list[Literal["dense", "keyword"]]
    root: str
    location: Location


class SearchResult(Wire):
    """`complete`: every file was keyword-indexed and embedded when the query ran."""

    results: list[SearchHit]
    complete: bool
    warnings: list[str]


class IndexProgress(Wire):
    """The running phase, the same model as the CLI bar, `$/progress` and REST stats:
    `done` of `total` `unit`s (total null while not known: walking, loading the model)."""

    phase: Phase
    detail: str
    done: int
    total: int | None
    unit: str  # "files", "chunks" or "" (model loading)
    rate: float  # units per second
    eta_s: float | None
    elapsed_s: float  # seconds in this phase
    percentage: int | None


class SkippedFile(Wire):
    path: str  # relative to the root; a folder ends in /
    reason: SkipReason
    detail: str


class SkippedFiles(Wire):
    """Files left out of the index: all counted by reason, the first 500 listed."""

    count: int = 0
    by_reason: dict[str, int] = Field(default_factory=dict)
    files: list[SkippedFile] = Field(default_factory=list)


class RootIndexStatus(Wire):
    root: str
    files_total: int
    files_keyword_indexed: int
    files_embedded: int
    chunks: int
    chunks_embedded: int
    state: State
    phase: Phase
    files_per_s: float
    eta_s: float | None
    complete: bool
    warnings: list[str]
    progress: IndexProgress | None = None
    skipped: SkippedFiles = SkippedFiles()


class IndexStatus(Wire):
    """`auro/indexStatus` and the index commands: totals over the roots, then each root."""

    files_total: int
    files_keyword_indexed: int
    files_embedded: int
    chunks: int
    state: State
    complete: bool
    roots: list[RootIndexStatus]


# -- auro/usage ------------------------------------------------------------------------------


class UsageTotals(Wire):
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


class UsageError(Wire):
    time: float
    provider: str
    model: str
    error: str


class Usage(Wire):
    """`auro/usage`: counters since the server started; `models` keys are provider/model."""

    totals: UsageTotals
    providers: dict[str, UsageTotals]
    models: dict[str, UsageTotals]
    sessions: dict[str, UsageTotals]
    recent_errors: list[UsageError]


# -- auro/status -----------------------------------------------------------------------------


class HttpInfo(Wire):
    url: str
    host: str
    port: int
    token: str | None


class WorkspaceInfo(Wire):
    root: str
    data_dir: str


class ServerStatus(Wire):
    """`auro/status`, sent after `initialized`: the HTTP sidecar (null when disabled) and
    where each root's index lives."""

    version: str
    http: HttpInfo | None
    workspaces: list[WorkspaceInfo]


# -- commands (workspace/executeCommand) and code actions ------------------------------------


class ActionData(Wire):
    """A code action's `data` (or `auro.applySuggestion` argument): what it needs to
    compute its edit later."""

    kind: SuggestionKind
    uri: str = Field(min_length=1)
    range: Range
    version: int | None = None
    diagnostic: str | None = None


class ExplainArgs(Wire):
    """`auro.explain` argument: the code to explain (the whole buffer without a range)."""

    uri: str = Field(min_length=1)
    range: Range | None = None


class ExplainResult(ChatResult):
    """`auro.explain`: the chat result plus the URI of the Markdown explanation."""

    document: str


class RejectedData(Wire):
    """The `data` of a refused suggestion's error: why, the model's answer, and the URI of
    the document holding it."""

    reason: str
    answer: str
    document: str


class ApplyResult(Wire):
    """`auro.applySuggestion`: whether the editor applied the edit; on a refusal also the
    `RejectedData` fields."""

    applied: bool
    error: str | None = None
    rationale: str | None = None
    reason: str | None = None
    answer: str | None = None
    document: str | None = None


@dataclass(frozen=True)
class Method:
    """One entry of the method table the schema is built from."""

    kind: Literal["request", "notification", "command"]
    params: type[BaseModel] | None
    result: type[BaseModel] | None
    doc: str


# Sent outside any method's params or result: the `data` of a refused suggestion's error
# (from `codeAction/resolve`).
ERROR_DATA: tuple[type[BaseModel], ...] = (RejectedData,)

METHODS: dict[str, Method] = {
    CHAT: Method(
        kind="request", params=ChatParams, result=ChatResult, doc="Ask; the answer streams."
    ),
    CHAT_CHUNK: Method(
        kind="notification", params=ChatChunk, result=None, doc="One streamed piece."
    ),
    SEARCH: Method(
        kind="request", params=SearchParams, result=SearchResult, doc="Search the codebase."
    ),
    INDEX_STATUS: Method(
        kind="request", params=None, result=IndexStatus, doc="How far indexing is."
    ),
    USAGE: Method(kind="request", params=None, result=Usage, doc="Token and request counters."),
    STATUS: Method(
        kind="notification", params=ServerStatus, result=None, doc="Sidecar and data dirs."
    ),
    SEARCH_COMMAND: Method(
        kind="command", params=SearchParams, result=SearchResult, doc="`auro/search` as a command."
    ),
    REINDEX_COMMAND: Method(
        kind="command", params=None, result=IndexStatus, doc="Rebuild every root's index."
    ),
    PAUSE_COMMAND: Method(kind="command", params=None, result=IndexStatus, doc="Pause indexing."),
    RESUME_COMMAND: Method(kind="command", params=None, result=IndexStatus, doc="Resume indexing."),
    APPLY_COMMAND: Method(
        kind="command", params=ActionData, result=ApplyResult, doc="Compute and apply an edit."
    ),
    EXPLAIN_COMMAND: Method(
        kind="command", params=ExplainArgs, result=ExplainResult, doc="Explain code."
    ),
    INLINE_COMPLETION: Method(
        kind="request",
        params=InlineCompletionParams,
        result=InlineCompletionResult,
        doc="`textDocument/inlineCompletion` for clients without LSP 3.18.",
    ),
}
