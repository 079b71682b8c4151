"""End to end: AI code actions on the real server, the fake as the LLM.

Two kinds of client: VS Code (resolves `edit`, change annotations, file creation, showDocument)
and a minimal one (no resolve, no annotations), which gets the command path and
`workspace/applyEdit`. LLM calls are counted by the fake server.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.uris import from_fs_path, to_fs_path
from pytest_lsp import LanguageClient, client_capabilities

from server.chat.syntax import error_count
from server.lsp.suggestion_edits import ANNOTATION_ID
from tests.chat.code_action_helpers import MINIMAL, apply_text_edits, code_actions
from tests.chat.conftest import chat_env
from tests.chat.lsp_helpers import open_document
from tests.fakes.common import Reply
from tests.fakes.openai_server import FakeOpenAIServer
from tests.lsp_harness import lsp_session

REFACTOR = (
    "Introduced a named intermediate so the sum is easier to inspect.\n\n"
    "```python\ndef add(a, b):\n    total = a + b\n    return total\n```\n"
)
BROKEN = "Here you go.\n\n```python\ndef add(a, b:\n    return a +\n```\n"
TESTS = (
    "Covers the happy path.\n\n```python\nfrom calc import add\n\n\n"
    "def test_add():\n    assert add(1, 2) == 3\n```\n"
)


async def test_actions_are_listed_without_llm_calls_and_resolve_to_annotated_edits(
    fake_openai: FakeOpenAIServer, repo: Path, tmp_path: Path
):
    env = chat_env(tmp_path / "data", fake_openai)
    caps = client_capabilities("visual-studio-code")
    async with lsp_session(env, [repo], capabilities=caps) as (client, recorder):
        await recorder.next("auro/status", 1)
        uri = open_document(client, repo / "calc.py")
        problem = types.Diagnostic(
            range=types.Range(start=types.Position(4, 4), end=types.Position(4, 16)),
            message="add() may overflow",
            severity=types.DiagnosticSeverity.Warning,
        )
        actions = await code_actions(client, uri, [problem])
        assert set(actions) == {
            "Auro: Refactor selection",
            "Auro: Explain",
            "Auro: Add docstrings",
            "Auro: Fix: add() may overflow",
            "Auro: Generate tests",
        }
        kinds = {title: action.kind for title, action in actions.items()}
        assert kinds["Auro: Refactor selection"] == types.CodeActionKind.RefactorRewrite
        assert kinds["Auro: Add docstrings"] == types.CodeActionKind.Source
        assert kinds["Auro: Fix: add() may overflow"] == types.CodeActionKind.QuickFix
        assert kinds["Auro: Generate tests"] == types.CodeActionKind.Refactor
        refactor = actions["Auro: Refactor selection"]
        assert refactor.edit is None and refactor.command is None and refactor.data
        assert list(actions["Auro: Fix: add() may overflow"].diagnostics) == [problem]
        assert fake_openai.request_count == 0  # listing never calls the model

        fake_openai.push(Reply(text=REFACTOR))
        resolved = await client.code_action_resolve_async(refactor)
        assert fake_openai.request_count == 1
        change = resolved.edit.document_changes[0]
        assert isinstance(change, types.TextDocumentEdit)
        assert change.text_document.uri == uri and change.text_document.version == 1
        [edit] = change.edits
        assert isinstance(edit, types.AnnotatedTextEdit) and edit.annotation_id == ANNOTATION_ID
        note = resolved.edit.change_annotations[ANNOTATION_ID]
        assert note.needs_confirmation is True and note.label == "Auro: Refactor selection"
        assert "named intermediate" in note.description
        assert f"{repo / 'calc.py'}:4-5" in note.description  # the code it was based on
        after = apply_text_edits((repo / "calc.py").read_text(), [edit])
        assert "    total = a + b\n    return total\n" in after
        assert "def divide(a, b):" in after and error_count("python", after) == 0

        # syntax-breaking model output is refused with a message, not offered
        fake_openai.push(Reply(text=BROKEN))
        with pytest.raises(JsonRpcException, match="does not parse") as refused:
            await client.code_action_resolve_async(refactor)
        assert refused.value.code == types.LSPErrorCodes.RequestFailed
        assert fake_openai.request_count == 2

        # generated tests become a new file when the client can create files
        fake_openai.push(Reply(text=TESTS))
        resolved = await client.code_action_resolve_async(actions["Auro: Generate tests"])
        create, fill = resolved.edit.document_changes
        test_file = from_fs_path(str(repo / "tests" / "test_calc.py"))
        assert isinstance(create, types.CreateFile) and create.uri == test_file
        assert create.annotation_id == ANNOTATION_ID
        assert fill.text_document.uri == test_file
        assert "def test_add():" in fill.edits[0].new_text
        assert error_count("python", fill.edits[0].new_text) == 0
        prompt = fake_openai.requests[-1]["messages"][-1]["content"]
        assert "tests/test_calc.py" in prompt and "`calc`" in prompt

        # an action offered for an older version of the buffer is not applied blindly
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text="x = 1\n")],
            )
        )
        with pytest.raises(JsonRpcException, match="changed") as stale:
            await client.code_action_resolve_async(refactor)
        assert stale.value.code == types.LSPErrorCodes.ContentModified
        assert fake_openai.request_count == 3


async def test_clients_without_resolve_support_get_a_command_that_applies_the_edit(
    fake_openai: FakeOpenAIServer, repo: Path, tmp_path: Path
):
    env = chat_env(tmp_path / "data", fake_openai)
    async with lsp_session(env, [repo], capabilities=MINIMAL) as (client, recorder):
        applied: list[types.ApplyWorkspaceEditParams] = []

        @client.feature(types.WORKSPACE_APPLY_EDIT)
        def apply_edit(_: LanguageClient, params: types.ApplyWorkspaceEditParams):
            applied.append(params)
            return types.ApplyWorkspaceEditResult(applied=True)

        await recorder.next("auro/status", 1)
        uri = open_document(client, repo / "calc.py")
        actions = await code_actions(client, uri)
        refactor = actions["Auro: Refactor selection"]
        assert refactor.data is None and refactor.command.command == "auro.applySuggestion"
        assert fake_openai.request_count == 0

        fake_openai.push(Reply(text=REFACTOR))
        result = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(
                command=refactor.command.command, arguments=refactor.command.arguments
            )
        )
        assert result["applied"] is True
        [params] = applied
        assert params.label == "Auro: Refactor selection"
        assert params.edit.document_changes is None and params.edit.change_annotations is None
        [edit] = params.edit.changes[uri]
        after = apply_text_edits((repo / "calc.py").read_text(), [edit])
        assert "total = a + b" in after and error_count("python", after) == 0
        # no annotations: the rationale and sources were shown before the edit was sent
        info = [m.message for m in client.messages if m.type == types.MessageType.Info]
        assert any("named intermediate" in m and "calc.py:4-5" in m for m in info)

        fake_openai.push(Reply(text=BROKEN))
        result = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(
                command=refactor.command.command, arguments=refactor.command.arguments
            )
        )
        assert result["applied"] is False and "does not parse" in result["error"]
        assert result["answer"] == BROKEN  # the model's text, to read instead of an edit
        warnings = [m.message for m in client.messages if m.type == types.MessageType.Warning]
        assert any("does not parse" in m and "not offered as an edit" in m for m in warnings)
        assert len(applied) == 1 and fake_openai.request_count == 2


async def test_explain_streams_through_chat_and_opens_a_markdown_document(
    fake_openai: FakeOpenAIServer, repo: Path, tmp_path: Path
):
    fake_openai.reply_text = "add() returns the sum of its two arguments."
    env = chat_env(tmp_path / "data", fake_openai)
    caps = client_capabilities("visual-studio-code")
    listen = ("auro/status", "auro/chatChunk")
    async with lsp_session(env, [repo], capabilities=caps, listen=listen) as (client, recorder):
        await recorder.next("auro/status", 1)
        uri = open_document(client, repo / "calc.py")
        explain = (await code_actions(client, uri))["Auro: Explain"]
        assert explain.command.command == "auro.explain" and fake_openai.request_count == 0

        result = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(
                command=explain.command.command, arguments=explain.command.arguments
            )
        )
        chunks = recorder.received["auro/chatChunk"]
        assert "".join(c.text for c in chunks) == result["text"] == fake_openai.reply_text
        [shown] = client.shown_documents
        assert shown.uri == result["document"]
        document = Path(to_fs_path(shown.uri))
        assert document.is_relative_to(tmp_path / "data") and document.suffix == ".md"
        assert fake_openai.reply_text in document.read_text()
        assert "def add(a, b):" in fake_openai.requests[0]["messages"][-1]["content"]


async def test_explain_returns_when_the_client_answers_show_document_with_null(
    fake_openai: FakeOpenAIServer, repo: Path, tmp_path: Path
):
    """Issue #20: a `null` answer to window/showDocument left `auro.explain` waiting forever."""
    fake_openai.reply_text = "add() returns the sum."
    env = chat_env(tmp_path / "data", fake_openai)
    caps = client_capabilities("visual-studio-code")
    async with lsp_session(env, [repo], capabilities=caps) as (client, recorder):
        asked: list[str] = []
        del client.protocol.fm.features[types.WINDOW_SHOW_DOCUMENT]  # pytest-lsp's default

        @client.feature(types.WINDOW_SHOW_DOCUMENT)
        def show_document(_: LanguageClient, params: types.ShowDocumentParams) -> None:
            asked.append(params.uri)
            return None  # what some clients send instead of a ShowDocumentResult

        await recorder.next("auro/status", 1)
        uri = open_document(client, repo / "calc.py")
        explain = (await code_actions(client, uri))["Auro: Explain"]
        params = types.ExecuteCommandParams(
            command=explain.command.command, arguments=explain.command.arguments
        )
        async with asyncio.timeout(60):  # the model answers at once; this only stops a hang
            result = await client.workspace_execute_command_async(params)
        assert result["text"] == fake_openai.reply_text
        assert asked == [result["document"]]
        assert fake_openai.reply_text in Path(to_fs_path(result["document"])).read_text()
