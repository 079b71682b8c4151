"""AI code actions: refactor, explain, add docstrings, fix a diagnostic, generate tests.

`textDocument/codeAction` answers at once and never calls the model. Like ruff-lsp, clients
that resolve the `edit` property get actions with `data`, computed in `codeAction/resolve`;
other clients get the `auro.applySuggestion` command, which computes the edit and sends it
with `workspace/applyEdit`. An edit that fails its checks is never sent: the user gets the
reason (`window/showMessage`, the error or command result) and the model's answer (logged,
in the error's `data`, and as a Markdown document the editor opens when it can). "Explain"
answers through chat (`auro/chatChunk`) and opens the explanation as a Markdown file.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.exceptions import JsonRpcContentModified, JsonRpcException

from server.chat import (
    ChatRequest,
    Suggestion,
    SuggestionFailed,
    SuggestionKind,
    SuggestionRefused,
)
from server.chat.explain import EXPLAIN_MESSAGE, write_explanation
from server.chat.refused import write_refusal
from server.chat.suggestions import TITLES, SuggestionRequest
from server.lsp import convert, protocol as p
from server.lsp.chat_stream import stream_chat
from server.lsp.editor_code import document, focus_from, language_of, last_line, path_of
from server.lsp.params import parse_params
from server.lsp.show_document import show_document
from server.lsp.suggestion_edits import (
    EditSupport,
    RequestFailed,
    SuggestionRejected,
    explanation,
    workspace_edit,
)
from server.paths import data_root

if TYPE_CHECKING:
    from server.lsp.server import AuroLanguageServer

EXPLAIN_TITLE = "Auro: Explain"
DIAGNOSTIC_TITLE_CHARS = 60

Kind = types.CodeActionKind
KINDS: dict[SuggestionKind, str] = {
    "refactor": Kind.RefactorRewrite,
    "docstrings": Kind.Source,
    "fix": Kind.QuickFix,
    "tests": Kind.Refactor,
}


def wanted(kind: str, only: list[str] | None) -> bool:
    return not only or any(kind == o or kind.startswith(f"{o}.") for o in only)


def offered(
    params: types.CodeActionParams, version: int | None, support: EditSupport
) -> list[types.CodeAction]:
    """The actions for a range; nothing here calls the model."""
    uri = params.text_document.uri
    only = [getattr(k, "value", k) for k in params.context.only] if params.context.only else None
    selection = convert.from_lsp(params.range)

    def action(data: p.ActionData, title: str | None = None) -> types.CodeAction:
        title = title or TITLES[data.kind]
        payload = data.wire()
        if support.resolve_edit:
            return types.CodeAction(title=title, kind=KINDS[data.kind], data=payload)
        command = types.Command(title=title, command=p.APPLY_COMMAND, arguments=[payload])
        return types.CodeAction(title=title, kind=KINDS[data.kind], command=command)

    def on_selection(kind: SuggestionKind) -> types.CodeAction:
        return action(p.ActionData(kind=kind, uri=uri, range=selection, version=version))

    actions: list[types.CodeAction] = []
    if wanted(Kind.RefactorRewrite, only):
        actions.append(on_selection("refactor"))
    if wanted(Kind.Refactor, only):
        explain_args = p.ExplainArgs(uri=uri, range=selection).wire()
        command = types.Command(
            title=EXPLAIN_TITLE, command=p.EXPLAIN_COMMAND, arguments=[explain_args]
        )
        actions.append(types.CodeAction(title=EXPLAIN_TITLE, kind=Kind.Refactor, command=command))
    if wanted(Kind.Source, only):
        actions.append(on_selection("docstrings"))
    if wanted(Kind.QuickFix, only):
        for diagnostic in params.context.diagnostics:
            message = " ".join(diagnostic.message.split())
            short = message[:DIAGNOSTIC_TITLE_CHARS]
            if len(message) > DIAGNOSTIC_TITLE_CHARS:
                short += "…"
            data = p.ActionData(
                kind="fix",
                uri=uri,
                range=convert.from_lsp(diagnostic.range),
                version=version,
                diagnostic=message,
            )
            fix = action(data, f"{TITLES['fix']}: {short}")
            fix.diagnostics = [diagnostic]
            actions.append(fix)
    if wanted(Kind.Refactor, only):
        actions.append(on_selection("tests"))
    return actions


async def suggest(ls: AuroLanguageServer, data: p.ActionData) -> Suggestion:
    """Compute the suggestion for an action; refusals become RequestFailed with the reason."""
    doc = await document(ls, data.uri)
    if data.version is not None and doc.version is not None and doc.version != data.version:
        raise JsonRpcContentModified(
            "The document changed since the action was offered; ask for the action again."
        )
    path = path_of(data.uri)
    selection = convert.to_lsp(data.range)
    request = SuggestionRequest(
        kind=data.kind,
        path=path,
        text=doc.source,
        first_line=selection.start.line,
        last_line=last_line(selection),
        language=language_of(path),
        cursor=data.kind == "fix" or selection.start == selection.end,
        diagnostic=data.diagnostic,
    )
    try:
        return await ls.services.suggestions.suggest(request)
    except SuggestionRefused as exc:
        raise rejected(ls, path, exc) from exc
    except SuggestionFailed as exc:
        raise RequestFailed(str(exc)) from exc


def rejected(ls: AuroLanguageServer, path: Path, refused: SuggestionRefused) -> SuggestionRejected:
    """Tell the user why no edit is offered and give them the model's answer to read."""
    document = write_refusal(data_root(ls.settings) / "refused", path, refused)
    # without focus: a plugin that shows the refusal itself (Neovim) is not pulled away
    uri = show_document(ls, document)
    message = f"{refused} The answer is in {document}."
    tell(ls, types.MessageType.Warning, message)
    ls.window_log_message(
        types.LogMessageParams(
            type=types.MessageType.Info,
            message=f"{refused.title}: the refused answer follows.\n{refused.answer}",
        )
    )
    data = p.RejectedData(reason=refused.reason, answer=refused.answer, document=uri)
    return SuggestionRejected(message, data=data.wire())


def tell(ls: AuroLanguageServer, kind: types.MessageType, message: str) -> None:
    ls.window_show_message(types.ShowMessageParams(type=kind, message=message))


def setup(server: AuroLanguageServer) -> None:
    options = types.CodeActionOptions(
        code_action_kinds=[Kind.RefactorRewrite, Kind.Refactor, Kind.Source, Kind.QuickFix],
        resolve_provider=True,
    )

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION, options)
    def code_action(
        ls: AuroLanguageServer, params: types.CodeActionParams
    ) -> list[types.CodeAction]:
        if not params.text_document.uri.startswith("file:"):
            return []  # suggestions are edits of files on disk
        doc = ls.workspace.get_text_document(params.text_document.uri)
        support = EditSupport.of(ls.client_capabilities)
        return offered(params, doc.version, support)

    @server.feature(types.CODE_ACTION_RESOLVE)
    async def resolve(ls: AuroLanguageServer, action: types.CodeAction) -> types.CodeAction:
        if action.data is None or action.edit is not None:
            return action
        data = parse_params(p.ActionData, action.data, "codeAction/resolve data")
        suggestion = await suggest(ls, data)
        support = EditSupport.of(ls.client_capabilities)
        action.edit = workspace_edit(ls, suggestion, support)
        if not support.annotations:
            tell(ls, types.MessageType.Info, explanation(suggestion))
        return action

    @server.command(p.APPLY_COMMAND)
    async def apply_suggestion(ls: AuroLanguageServer, *args: Any) -> dict[str, Any]:
        data = parse_params(p.ActionData, args[0] if args else None, p.APPLY_COMMAND)
        support = EditSupport.of(ls.client_capabilities)
        try:
            suggestion = await suggest(ls, data)
            edit = workspace_edit(ls, suggestion, support)
        except SuggestionRejected as exc:  # already shown, with the answer
            return p.ApplyResult(applied=False, error=exc.message, **(exc.data or {})).wire()
        except JsonRpcException as exc:
            tell(ls, types.MessageType.Error, exc.message)
            return p.ApplyResult(applied=False, error=exc.message).wire()
        if not support.annotations:
            tell(ls, types.MessageType.Info, explanation(suggestion))
        result = await ls.workspace_apply_edit_async(
            types.ApplyWorkspaceEditParams(edit=edit, label=suggestion.title)
        )
        return p.ApplyResult(
            applied=result.applied, error=result.failure_reason, rationale=suggestion.rationale
        ).wire()

    @server.command(p.EXPLAIN_COMMAND)
    async def explain(ls: AuroLanguageServer, *args: Any) -> dict[str, Any]:
        params = parse_params(p.ExplainArgs, args[0] if args else None, p.EXPLAIN_COMMAND)
        selection = convert.to_lsp(params.range) if params.range else None
        focus = await focus_from(ls, params.uri, selection)
        reply = await stream_chat(
            ls, ChatRequest(EXPLAIN_MESSAGE, focus=focus), title=EXPLAIN_TITLE
        )
        path = write_explanation(data_root(ls.settings) / "explanations", focus, reply)
        chat = convert.chat_result(reply, [w.root for w in ls.services.workspaces])
        return p.ExplainResult(**dict(chat), document=show_document(ls, path)).wire()
