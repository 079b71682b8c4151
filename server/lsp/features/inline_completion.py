"""Inline completion: LSP 3.18 `textDocument/inlineCompletion`, and `auro/inlineCompletion`
with the same params for clients without it (its answer adds `notes`, `provider`, `cached`,
`multiline` and `contextFiles`, so a client can say what happened).

The text is the open buffer, unsaved edits included. A credential file or a buffer holding a
key gets no suggestion (its text is never sent). `$/cancelRequest` cancels the handler task,
which closes the upstream FIM request at once. Every `didOpen`/`didChange` feeds the
service's record of recently edited regions (`RecentEditsFeed`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams

from server.completion import CompletionInput, CompletionOutcome
from server.lsp import protocol as p
from server.lsp.editor_code import document, language_of, path_of
from server.lsp.language_feature import LanguageFeature
from server.lsp.params import parse_params

if TYPE_CHECKING:
    from server.lsp.server import AuroLanguageServer

INVOKED = types.InlineCompletionTriggerKind.Invoked.value


async def complete_at(
    ls: AuroLanguageServer, uri: str, position: types.Position, invoked: bool
) -> CompletionOutcome:
    """The suggestion at `position` of the buffer `uri`; refusals become notes."""
    try:
        doc = await document(ls, uri)
    except JsonRpcInvalidParams as exc:
        return CompletionOutcome(notes=[str(exc)])
    path = path_of(uri)
    buffer = ls.workspace.text_documents.get(unquote(uri))
    language = (buffer.language_id if buffer is not None else None) or language_of(path)
    offset = doc.offset_at_position(position)
    request = CompletionInput(
        path=path,
        language=language or "",
        prefix=doc.source[:offset],
        suffix=doc.source[offset:],
        invoked=invoked,
    )
    return await ls.services.completion.complete(request)


class RecentEditsFeed(LanguageFeature):
    """Hands each opened and changed buffer to the completion service. Plain methods: each
    runs while its message is handled, so it sees the buffer as of that change."""

    def __init__(self, server: AuroLanguageServer) -> None:
        self.server = server

    def _feed(self, uri: str, opened: bool) -> None:
        buffer = self.server.workspace.text_documents.get(unquote(uri))
        if buffer is None or not uri.startswith("file:"):
            return
        completion = self.server.services.completion
        record = completion.document_opened if opened else completion.document_changed
        record(str(path_of(uri)), buffer.source)

    def document_opened(self, params: types.DidOpenTextDocumentParams) -> None:
        self._feed(params.text_document.uri, opened=True)

    def document_changed(self, params: types.DidChangeTextDocumentParams) -> None:
        self._feed(params.text_document.uri, opened=False)


def setup(server: AuroLanguageServer) -> None:
    server.add_feature(RecentEditsFeed(server))

    @server.feature(types.TEXT_DOCUMENT_INLINE_COMPLETION)
    async def inline_completion(
        ls: AuroLanguageServer, params: types.InlineCompletionParams
    ) -> types.InlineCompletionList:
        invoked = params.context.trigger_kind == types.InlineCompletionTriggerKind.Invoked
        outcome = await complete_at(ls, params.text_document.uri, params.position, invoked)
        here = types.Range(start=params.position, end=params.position)
        items = [types.InlineCompletionItem(insert_text=outcome.text, range=here)]
        return types.InlineCompletionList(items=items if outcome.text else [])

    @server.feature(p.INLINE_COMPLETION)
    async def auro_inline_completion(ls: AuroLanguageServer, raw: Any) -> dict[str, Any]:
        params = parse_params(p.InlineCompletionParams, raw, p.INLINE_COMPLETION)
        position = types.Position(
            line=max(0, params.position.line), character=max(0, params.position.character)
        )
        invoked = params.context.trigger_kind == INVOKED
        outcome = await complete_at(ls, params.text_document.uri, position, invoked)
        here = p.Range(start=params.position, end=params.position)
        items = [p.InlineItem(insert_text=outcome.text, range=here)] if outcome.text else []
        return p.InlineCompletionResult(
            items=items,
            provider=outcome.provider,
            cached=outcome.cached,
            multiline=outcome.multiline,
            context_files=outcome.context_files,
            context_tokens=outcome.context_tokens,
            context_tokens_estimated=outcome.context_tokens_estimated,
            notes=outcome.notes,
        ).wire()
