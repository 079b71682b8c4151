"""`auro/inlineCompletion`: LSP 3.18 `textDocument/inlineCompletion` shapes plus what
happened, for clients without LSP 3.18. Re-exported by `server.lsp.protocol`."""

from __future__ import annotations

from server.lsp.protocol_wire import Position, Range, Wire


class TextDocumentId(Wire):
    uri: str


class InlineContext(Wire):
    trigger_kind: int = 2  # 1 = invoked (more context and time), 2 = automatic


class InlineCompletionParams(Wire):
    text_document: TextDocumentId
    position: Position
    context: InlineContext = InlineContext()


class InlineItem(Wire):
    insert_text: str
    range: Range


class InlineCompletionResult(Wire):
    """`InlineCompletionList` plus what happened, for a client to show."""

    items: list[InlineItem]
    provider: str | None
    cached: bool
    multiline: bool
    context_files: list[str]
    context_tokens: int  # what the context chunks cost
    context_tokens_estimated: bool  # by estimate: the provider's tokenizer was not used
    notes: list[str]
