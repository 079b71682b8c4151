"""A `Suggestion` as the WorkspaceEdit this client can apply, with its reasons attached.

With change-annotation support every edit is annotated (label, rationale, the code it was
based on) and `needsConfirmation`, so the editor asks before applying. Clients without it
are sent the same explanation as a message, so nothing is applied unexplained.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.uris import from_fs_path

from server.chat import CodeCitation, Suggestion
from server.chat.edits import NewFile, TextChange

if TYPE_CHECKING:
    from server.lsp.server import AuroLanguageServer

ANNOTATION_ID = "auro.suggestion"


class RequestFailed(JsonRpcException):
    """LSP RequestFailed: the request was valid but could not be carried out."""

    CODE = types.LSPErrorCodes.RequestFailed
    MESSAGE = "Request failed"


class SuggestionRejected(RequestFailed):
    """A suggestion that failed its checks; `data` has `reason`, `answer` and `document`, so
    a client can show the model's text instead of an edit."""


@dataclass(frozen=True)
class EditSupport:
    """What the client can do with a WorkspaceEdit, and whether it resolves code actions."""

    resolve_edit: bool = False
    document_changes: bool = False
    create_files: bool = False
    annotations: bool = False

    @classmethod
    def of(cls, caps: types.ClientCapabilities) -> EditSupport:
        action = caps.text_document.code_action if caps.text_document else None
        resolve = action.resolve_support if action else None
        edit = caps.workspace.workspace_edit if caps.workspace else None
        operations = (edit.resource_operations or []) if edit else []
        return cls(
            resolve_edit=bool(resolve and "edit" in resolve.properties),
            document_changes=bool(edit and edit.document_changes),
            create_files=bool(edit and edit.document_changes)
            and types.ResourceOperationKind.Create in operations,
            annotations=bool(edit and edit.document_changes and edit.change_annotation_support),
        )


def based_on(suggestion: Suggestion) -> str:
    return "; ".join(
        f"{c.path}:{c.start_line}-{c.end_line}" + (f" ({c.symbol})" if c.symbol else "")
        for c in suggestion.citations
        if isinstance(c, CodeCitation)
    )


def explanation(suggestion: Suggestion) -> str:
    """What the user reads before accepting: why, based on what, and what was checked."""
    text = f"{suggestion.title}: {suggestion.rationale}"
    if sources := based_on(suggestion):
        text += f"\nBased on: {sources}"
    if suggestion.check:
        text += f"\nChecked: {suggestion.check}"
    return text


def annotation(suggestion: Suggestion) -> types.ChangeAnnotation:
    return types.ChangeAnnotation(
        label=suggestion.title,
        needs_confirmation=True,
        description=explanation(suggestion),
    )


def text_edit(
    ls: AuroLanguageServer, change: TextChange, annotated: bool
) -> tuple[str, types.TextEdit, int | None]:
    """The change in client position units; returns (uri, edit, document version)."""
    uri = from_fs_path(str(change.path))
    doc = ls.workspace.get_text_document(uri)
    edit_range = types.Range(
        start=doc.position_to_client_units(
            types.Position(line=change.start[0], character=change.start[1])
        ),
        end=doc.position_to_client_units(
            types.Position(line=change.end[0], character=change.end[1])
        ),
    )
    if annotated:
        edit: types.TextEdit = types.AnnotatedTextEdit(
            range=edit_range, new_text=change.new_text, annotation_id=ANNOTATION_ID
        )
    else:
        edit = types.TextEdit(range=edit_range, new_text=change.new_text)
    return uri, edit, doc.version


def workspace_edit(
    ls: AuroLanguageServer, suggestion: Suggestion, support: EditSupport
) -> types.WorkspaceEdit:
    """The suggestion's changes in the richest form the client supports."""
    annotated = support.annotations
    annotation_id = ANNOTATION_ID if annotated else None
    changes: dict[str, list[types.TextEdit]] = {}
    document_changes: list[types.TextDocumentEdit | types.CreateFile] = []
    for change in suggestion.changes:
        if isinstance(change, NewFile):
            if not support.create_files:
                raise RequestFailed(
                    f"{suggestion.title}: this editor cannot create files through edits, so "
                    f"{change.path} cannot be created. Create it (even empty) and try again."
                )
            uri = from_fs_path(str(change.path))
            document_changes.append(
                types.CreateFile(
                    uri=uri,
                    options=types.CreateFileOptions(overwrite=False, ignore_if_exists=True),
                    annotation_id=annotation_id,
                )
            )
            origin = types.Position(line=0, character=0)
            insert = types.Range(start=origin, end=origin)
            new_text: types.TextEdit = (
                types.AnnotatedTextEdit(
                    range=insert, new_text=change.text, annotation_id=ANNOTATION_ID
                )
                if annotated
                else types.TextEdit(range=insert, new_text=change.text)
            )
            document_changes.append(
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(
                        uri=uri, version=None
                    ),
                    edits=[new_text],
                )
            )
            continue
        uri, edit, version = text_edit(ls, change, annotated)
        if support.document_changes:
            document_changes.append(
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(
                        uri=uri, version=version
                    ),
                    edits=[edit],
                )
            )
        else:
            changes.setdefault(uri, []).append(edit)
    if not support.document_changes:
        return types.WorkspaceEdit(changes=changes)
    return types.WorkspaceEdit(
        document_changes=document_changes,
        change_annotations={ANNOTATION_ID: annotation(suggestion)} if annotated else None,
    )
