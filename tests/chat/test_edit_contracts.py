"""End to end: a model that answers off-task never gets its edit offered.

For every action kind the fake LLM answers with edits that break the action's contract
(whole-function rewrites and deletions for docstrings, renames, new signatures and code
outside the selection for refactor and fix, non-tests and non-test files for tests). Through
a real `auro-pai lsp`, each must come back as a refusal with the reason and the model's text
(error data, a warning, the log and a document), and never as an edit; then an on-task answer
is offered, saying what was checked. The tally per kind is printed for docs/reliability.md.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.uris import to_fs_path
from pytest_lsp import LanguageClient, client_capabilities

from server.lsp.suggestion_edits import ANNOTATION_ID
from tests.chat.code_action_helpers import MINIMAL, code_actions
from tests.chat.conftest import chat_env
from tests.chat.lsp_helpers import open_document
from tests.fakes.common import Reply
from tests.fakes.openai_server import FakeOpenAIServer
from tests.lsp_harness import lsp_session
from tests.sample_code import CALC

DOCSTRINGS = "Auro: Add docstrings"
REFACTOR = "Auro: Refactor selection"
FIX = "Auro: Fix: add() may overflow"
TESTS = "Auro: Generate tests"


def answer(code: str, prose: str = "Here is the change.") -> str:
    return f"{prose}\n\n```python\n{code}```\n"


@dataclass(frozen=True)
class OffTask:
    action: str
    what: str
    reply: str
    reason: str  # a fragment of the reason the user must get


OFF_TASK = [
    OffTask(
        DOCSTRINGS,
        "whole-function rewrite",
        answer('def add(a, b):\n    """Add two numbers."""\n    return sum((a, b))\n'),
        "changes code, not only docstrings and comments",
    ),
    OffTask(
        DOCSTRINGS,
        "body deleted",
        answer('def add(a, b):\n    """Add two numbers."""\n'),
        "changes code",
    ),
    OffTask(DOCSTRINGS, "whole file pasted", answer(CALC), "changes code"),
    OffTask(
        REFACTOR,
        "renamed function",
        answer("def add_numbers(a, b):\n    return a + b\n"),
        "renames add to add_numbers",
    ),
    OffTask(
        REFACTOR,
        "new signature",
        answer("def add(a, b, c=0):\n    return a + b + c\n"),
        "changes the signature of add",
    ),
    OffTask(
        REFACTOR,
        "edits outside the range",
        answer("def add(a, b):\n    return a + b\n\n\ndef divide(a, b):\n    return a // b\n"),
        "adds divide",
    ),
    OffTask(REFACTOR, "function deleted", answer("# add() was unused\n"), "removes add"),
    OffTask(FIX, "whole file pasted", answer(CALC), "adds divide"),
    OffTask(
        FIX,
        "code added beside the function",
        answer("import sys\n\n\ndef add(a, b):\n    return a + b\n"),
        "adds code outside the selected definition",
    ),
    OffTask(
        FIX,
        "renamed function",
        answer("def plus(a, b):\n    return a + b\n"),
        "renames add to plus",
    ),
    OffTask(
        TESTS,
        "the function again, no tests",
        answer("def add(a, b):\n    return int(a) + int(b)\n"),
        "defines no test",
    ),
]

ON_TASK = {
    DOCSTRINGS: (
        answer('def add(a, b):\n    """Return the sum of a and b."""\n    return a + b\n'),
        "only docstrings and comments changed",
    ),
    REFACTOR: (
        answer("def add(a, b):\n    total = a + b\n    return total\n"),
        "keeps the name and signature of add",
    ),
    TESTS: (
        answer("from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n"),
        "a test file, defining 1 test(s)",
    ),
}

PROBLEM = types.Diagnostic(
    range=types.Range(start=types.Position(4, 4), end=types.Position(4, 16)),
    message="add() may overflow",
    severity=types.DiagnosticSeverity.Warning,
)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One data directory for the module: the embedding model is exported once."""
    return tmp_path_factory.mktemp("data")


async def refusal(client: LanguageClient, action: types.CodeAction) -> JsonRpcException:
    with pytest.raises(JsonRpcException) as refused:
        await client.code_action_resolve_async(action)
    return refused.value


async def test_off_task_answers_are_refused_with_the_reason_and_the_answer(
    fake_openai: FakeOpenAIServer, repo: Path, data_dir: Path
):
    env = chat_env(data_dir, fake_openai)
    caps = client_capabilities("visual-studio-code")
    source = (repo / "calc.py").read_text()
    caught: Counter[str] = Counter()
    async with lsp_session(env, [repo], capabilities=caps) as (client, recorder):
        await recorder.next("auro/status", 1)
        uri = open_document(client, repo / "calc.py")
        actions = await code_actions(client, uri, [PROBLEM])
        for case in OFF_TASK:
            fake_openai.push(Reply(text=case.reply))
            shown = len(client.shown_documents)
            error = await refusal(client, actions[case.action])
            context = f"{case.action} / {case.what}: {error.message}"
            assert error.code == types.LSPErrorCodes.RequestFailed, context
            assert case.reason in error.message and "not offered as an edit" in error.message
            assert error.data["answer"] == case.reply and case.reason in error.data["reason"]
            # the answer is opened as a document, and the warning says why and where it is
            [document] = [d.uri for d in client.shown_documents[shown:]]
            assert document == error.data["document"]
            text = Path(to_fs_path(document)).read_text()
            assert case.reason in text and case.reply.strip() in text
            assert any(
                case.reason in m.message and m.type == types.MessageType.Warning
                for m in client.messages
            ), context
            assert any(case.reply in m.message for m in client.log_messages), context
            caught[case.action] += 1
        assert (repo / "calc.py").read_text() == source

        # on-task answers are offered, annotated with what was checked
        for title, (reply, checked) in ON_TASK.items():
            fake_openai.push(Reply(text=reply))
            resolved = await client.code_action_resolve_async(actions[title])
            note = resolved.edit.change_annotations[ANNOTATION_ID]
            assert note.needs_confirmation is True
            checks = note.description.split("\nChecked: ", 1)[1]
            assert checked in checks and "no new syntax errors" in checks, checks

    tally = {kind: f"{caught[kind]}/{sum(c.action == kind for c in OFF_TASK)}" for kind in caught}
    print("contract violations caught per action kind:", json.dumps(tally))
    assert sum(caught.values()) == len(OFF_TASK)


async def test_tests_are_never_written_through_a_link_to_a_source_file(
    fake_openai: FakeOpenAIServer, repo: Path, data_dir: Path
):
    """`tests/test_calc.py` pointing at `calc.py` would append the tests to the code."""
    (repo / "tests" / "test_calc.py").symlink_to(repo / "calc.py")
    source = (repo / "calc.py").read_text()
    env = chat_env(data_dir, fake_openai)
    async with lsp_session(env, [repo], capabilities=MINIMAL) as (client, recorder):
        applied: list[types.ApplyWorkspaceEditParams] = []

        @client.feature(types.WORKSPACE_APPLY_EDIT)
        def apply_edit(_: LanguageClient, params: types.ApplyWorkspaceEditParams):
            applied.append(params)
            return types.ApplyWorkspaceEditResult(applied=True)

        await recorder.next("auro/status", 1)
        uri = open_document(client, repo / "calc.py")
        command = (await code_actions(client, uri))[TESTS].command
        reply, _ = ON_TASK[TESTS]
        fake_openai.push(Reply(text=reply))
        result = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=command.command, arguments=command.arguments)
        )
        assert result["applied"] is False and not applied
        assert "which is not a test file" in result["error"]
        assert result["answer"] == reply
        warning = next(m for m in client.messages if m.type == types.MessageType.Warning)
        assert "tests/test_calc.py leads to" in warning.message
        # this client cannot open documents: the answer's file is named in the warning
        assert not client.shown_documents
        assert to_fs_path(result["document"]) in warning.message
    assert (repo / "calc.py").read_text() == source
