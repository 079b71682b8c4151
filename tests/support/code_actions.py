"""Driving AI code actions on the real server: listing, resolving, applying edits."""

from __future__ import annotations

from lsprotocol import types
from pytest_lsp import LanguageClient

REFACTOR = (  # a model reply whose one Python block is the refactor action's edit
    "Introduced a named intermediate so the sum is easier to inspect.\n\n"
    "```python\ndef add(a, b):\n    total = a + b\n    return total\n```\n"
)
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
    """textDocument/codeAction over `ADD_LINES`, by title (the harness decodes CodeActions
    that carry a command correctly; see `tests.support.lsp_harness.converter`)."""
    params = types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=ADD_LINES,
        context=types.CodeActionContext(diagnostics=diagnostics or []),
    )
    items = await client.text_document_code_action_async(params) or []
    actions = [item for item in items if isinstance(item, types.CodeAction)]
    assert len(actions) == len(items), f"bare Commands among the actions: {items}"
    return actions_by_title(actions)
