"""Driving AI code actions on the real server: listing, resolving, applying edits."""

from __future__ import annotations

import asyncio
import uuid

from lsprotocol import types
from pygls.protocol import JsonRPCResponseMessage
from pytest_lsp import LanguageClient

from server.lsp.params import to_plain

ADD_LINES = types.Range(start=types.Position(3, 0), end=types.Position(5, 0))
MINIMAL = types.ClientCapabilities(
    workspace=types.WorkspaceClientCapabilities(
        apply_edit=True,
        workspace_edit=types.WorkspaceEditClientCapabilities(document_changes=False),
    ),
    text_document=types.TextDocumentClientCapabilities(
        code_action=types.CodeActionClientCapabilities(
            code_action_literal_support=types.ClientCodeActionLiteralOptions(
                code_action_kind=types.ClientCodeActionKindOptions(value_set=["quickfix"])
            )
        )
    ),
)


def apply_text_edits(text: str, edits: list[types.TextEdit]) -> str:
    """Apply edits (positions in lines/characters) the way an editor would."""
    lines = text.splitlines(keepends=True)

    def offset(position: types.Position) -> int:
        return sum(len(line) for line in lines[: position.line]) + position.character

    for edit in sorted(edits, key=lambda e: offset(e.range.start), reverse=True):
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end) :]
    return text


def actions_by_title(actions: list[types.CodeAction]) -> dict[str, types.CodeAction]:
    return {a.title: a for a in actions}


async def code_actions(
    client: LanguageClient, uri: str, diagnostics: list[types.Diagnostic] | None = None
) -> dict[str, types.CodeAction]:
    """textDocument/codeAction, decoded as CodeActions.

    lsprotocol's client-side decoder takes any item with a `command` key for a Command (the
    CodeAction's own `command` object included), so the result is decoded here instead.
    """
    params = types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=ADD_LINES,
        context=types.CodeActionContext(diagnostics=diagnostics or []),
    )
    msg_id = str(uuid.uuid4())
    pending = client.protocol.send_request(types.TEXT_DOCUMENT_CODE_ACTION, params, msg_id=msg_id)
    client.protocol._result_types[msg_id] = JsonRPCResponseMessage
    converter = client.protocol._converter
    items = to_plain(await asyncio.wrap_future(pending))
    return actions_by_title([converter.structure(item, types.CodeAction) for item in items])
