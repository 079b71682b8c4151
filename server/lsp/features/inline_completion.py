"""Inline completion: LSP 3.18 `textDocument/inlineCompletion`, and `auro/inlineCompletion`
with the same params for clients without it (its answer adds `notes`, `provider`, `cached`
and `contextFiles`, so a client can say what happened).

The text is the open buffer, unsaved edits included. A credential file or a buffer holding a
key gets no suggestion (its text is never sent). `$/cancelRequest` cancels the handler task,
which closes the upstream FIM request at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from lsprotocol import types
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel
from pygls.exceptions import JsonRpcInvalidParams

from server.completion import CompletionInput, CompletionOutcome
from server.lsp.editor_code import PositionModel, document, language_of, path_of
from server.lsp.params import parse_params

if TYPE_CHECKING:
    from server.lsp.server import AuroLanguageServer

AURO_INLINE_COMPLETION = "auro/inlineCompletion"


class DocumentModel(BaseModel):
    uri: str


class ContextModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    trigger_kind: int = types.InlineCompletionTriggerKind.Automatic.value


class InlineParams(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    text_document: DocumentModel
    position: PositionModel
    context: ContextModel = ContextModel()


async def complete_at(
    ls: AuroLanguageServer, uri: str, position: types.Position, invoked: bool
) -> tuple[CompletionOutcome, types.Range]:
    """The suggestion at `position` of the buffer `uri`; refusals become notes."""
    here = types.Range(start=position, end=position)
    try:
        doc = await document(ls, uri)
    except JsonRpcInvalidParams as exc:
        return CompletionOutcome(notes=[str(exc)]), here
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
    return await ls.services.completion.complete(request), here


def items_of(outcome: CompletionOutcome, here: types.Range) -> list[types.InlineCompletionItem]:
    if not outcome.text:
        return []
    return [types.InlineCompletionItem(insert_text=outcome.text, range=here)]


def setup(server: AuroLanguageServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_INLINE_COMPLETION)
    async def inline_completion(
        ls: AuroLanguageServer, params: types.InlineCompletionParams
    ) -> types.InlineCompletionList:
        invoked = params.context.trigger_kind == types.InlineCompletionTriggerKind.Invoked
        outcome, here = await complete_at(ls, params.text_document.uri, params.position, invoked)
        return types.InlineCompletionList(items=items_of(outcome, here))

    @server.feature(AURO_INLINE_COMPLETION)
    async def auro_inline_completion(ls: AuroLanguageServer, raw: Any) -> dict[str, Any]:
        params = parse_params(InlineParams, raw, AURO_INLINE_COMPLETION)
        invoked = params.context.trigger_kind == types.InlineCompletionTriggerKind.Invoked.value
        outcome, here = await complete_at(
            ls, params.text_document.uri, params.position.lsp(), invoked
        )
        position = {"line": here.start.line, "character": here.start.character}
        return {
            "items": [
                {"insertText": item.insert_text, "range": {"start": position, "end": position}}
                for item in items_of(outcome, here)
            ],
            "provider": outcome.provider,
            "cached": outcome.cached,
            "multiline": outcome.multiline,
            "contextFiles": outcome.context_files,
            "notes": outcome.notes,
        }
