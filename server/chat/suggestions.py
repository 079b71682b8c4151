"""AI code suggestions (refactor, docstrings, fix, tests) as checked, explained edits.

One model call per suggestion. The answer's fenced code is taken as the new text of the
target lines (or the new test file). Before it is offered, the edited file must parse with no
new syntax errors and the edit must keep its action's contract (`server.chat.contracts`);
otherwise it is refused with the reason and the model's answer, never applied. Every
suggestion carries the model's rationale, the code it was based on and what was checked.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from server.chat.codeblocks import match_indentation, parse_answer
from server.chat.context import relative, retrieve
from server.chat.contracts import (
    Replacement,
    Verdict,
    adds_tests_only,
    docstrings_only,
    within_definition,
)
from server.chat.edits import FileChange, LineEdit, NewFile, append_text, replace_lines
from server.chat.models import CodeCitation
from server.chat.ports import CodeSearch, Completer
from server.chat.reply_limit import suggestion_reply_limit
from server.chat.syntax import check_edit, enclosing_definition
from server.chat.tests_layout import path_for_tests
from server.llm import ContextChunk, LLMError, Prompt
from server.workspace_files import PathRefused, read_existing

log = logging.getLogger(__name__)

SuggestionKind = Literal["refactor", "docstrings", "fix", "tests"]
RELATED_CHUNKS = 3
QUERY_CHARS = 1000
TEMPERATURE = 0.2
TEST_FILE_MAX_BYTES = 2_000_000  # a test file to append to; larger ones are refused

TITLES: dict[SuggestionKind, str] = {
    "refactor": "Auro: Refactor selection",
    "docstrings": "Auro: Add docstrings",
    "fix": "Auro: Fix",
    "tests": "Auro: Generate tests",
}

SYSTEM = (
    "You are Auro, a careful coding assistant that proposes edits for the user to review. "
    "First write a short paragraph explaining what you change and why. Then give the code "
    "in exactly one fenced block with a language tag. The code must be complete and "
    "syntactically valid; never elide parts with comments like '...'."
)

TASKS: dict[SuggestionKind, str] = {
    "refactor": (
        "Refactor the target code for clarity and maintainability without changing its "
        "behaviour. Return the full replacement for exactly the target lines."
    ),
    "docstrings": (
        "Add concise docstrings (or the language's documentation comments) to the functions, "
        "methods and classes in the target code; change nothing else. Return the full "
        "replacement for exactly the target lines."
    ),
    "fix": (
        "Fix the reported problem in the target code with the smallest correct change. "
        "Return the full replacement for exactly the target lines."
    ),
    "tests": (
        "Write unit tests for the target code with the usual test framework of the language "
        "(pytest for Python). Return only the test code."
    ),
}


class SuggestionFailed(Exception):
    """No edit can be offered; the message says why, for the user."""


class SuggestionRefused(SuggestionFailed):
    """The model answered, but its edit failed a check: the reason, and its text to read."""

    def __init__(self, title: str, reason: str, answer: str) -> None:
        super().__init__(
            f"{title}: not offered as an edit, {reason}. Nothing was changed; the model's "
            "answer is shown for reading."
        )
        self.title = title
        self.reason = reason
        self.answer = answer


@dataclass(frozen=True)
class SuggestionRequest:
    """A suggestion for lines `first_line`..`last_line` (0-based) of the buffer `text`.

    `cursor` means the user selected nothing: the definition around `first_line` is used.
    """

    kind: SuggestionKind
    path: Path
    text: str
    first_line: int
    last_line: int
    language: str = ""
    cursor: bool = False
    diagnostic: str | None = None


@dataclass(frozen=True)
class Suggestion:
    kind: SuggestionKind
    title: str
    rationale: str
    citations: list[CodeCitation] = field(default_factory=list)
    changes: list[FileChange] = field(default_factory=list)
    check: str = ""


def target_lines(request: SuggestionRequest) -> tuple[int, int]:
    """The lines to work on: the selection, or the definition around the cursor."""
    if request.cursor and request.language:
        found = enclosing_definition(request.language, request.text, request.first_line)
        if found is not None:
            return found
    return request.first_line, max(request.first_line, request.last_line)


def python_module(path: Path, root: Path | None) -> str:
    if root is None or not path.is_relative_to(root):
        return path.stem
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


class SuggestionService:
    """Turns a request into a reviewed-ready `Suggestion`, calling the model once; `code`
    places the file in its workspace and finds related code."""

    def __init__(self, *, llm: Completer, code: CodeSearch) -> None:
        self.llm = llm
        self.code = code

    async def suggest(self, request: SuggestionRequest) -> Suggestion:
        first, last = target_lines(request)
        lines = request.text.splitlines()
        target = "\n".join(lines[first : last + 1])
        if not target.strip():
            raise SuggestionFailed("There is no code in the selected lines to work on.")
        workspace = self.code.workspace_for(request.path)
        root = workspace.root if workspace is not None else None
        target_citation = CodeCitation(str(request.path), first + 1, last + 1)
        related = await self._related(request, target, first, last)
        prompt = Prompt(
            question=self._question(request, target, first, last, root),
            system=SYSTEM,
            chunks=[chunk for chunk, _ in related],
        )
        try:
            result = await self.llm.complete(
                prompt,
                temperature=TEMPERATURE,
                max_tokens=suggestion_reply_limit(request.kind, target),
            )
        except LLMError as exc:
            raise SuggestionFailed(str(exc)) from exc
        title = TITLES[request.kind]
        if result.done.truncated:  # a cut answer would be a half edit: never offered
            raise SuggestionRefused(
                title,
                f"the model's answer was cut off after {result.done.usage.completion_tokens} "
                f"tokens (limit {result.done.reply_limit}), so no edit is offered; select less "
                "code and try again",
                result.text,
            )
        answer = parse_answer(result.text, request.language)
        if not answer.code.strip():
            raise SuggestionRefused(title, "the model's answer contained no code", result.text)
        edit = self._edit(request, answer.code, target, first, last, root)
        exists = edit.change.path.exists()
        before = edit_base(request, edit)
        syntax = check_edit(request.language, before, edit.after)
        if not syntax.ok:
            raise SuggestionRefused(title, syntax.message, result.text)
        contract = self._contract(request, edit, before if exists else None, first, last, root)
        if not contract.ok:
            raise SuggestionRefused(title, contract.reason, result.text)
        change: FileChange = edit.change
        if request.kind == "tests" and not exists:
            change = NewFile(edit.change.path, edit.after)
        return Suggestion(
            kind=request.kind,
            title=title,
            rationale=answer.rationale or default_rationale(request.kind),
            citations=[target_citation, *(c for _, c in related)],
            changes=[change],
            check=f"{contract.checked}; {syntax.message}",
        )

    @staticmethod
    def _contract(
        request: SuggestionRequest,
        edit: LineEdit,
        existing: str | None,
        first: int,
        last: int,
        root: Path | None,
    ) -> Verdict:
        """The action's own contract (see `server.chat.contracts`)."""
        change = edit.change
        if request.kind == "tests":
            end = len(existing.splitlines()) if existing else 0
            appended = change.start == change.end and change.start[0] >= end - 1
            return adds_tests_only(
                change.path, root, request.language, existing, appended, change.new_text
            )
        replaced = Replacement.of(request.language, request.text, edit.after, first, last)
        if request.kind == "docstrings":
            return docstrings_only(replaced)
        purpose = " ".join(filter(None, [TITLES[request.kind], request.diagnostic]))
        return within_definition(replaced, purpose)

    async def _related(
        self, request: SuggestionRequest, target: str, first: int, last: int
    ) -> list[tuple[ContextChunk, CodeCitation]]:
        """Other workspace code like the target, for context; the target itself is left out."""
        found = await retrieve(self.code, target[:QUERY_CHARS], request.path, RELATED_CHUNKS)
        own = str(request.path)
        return [
            (chunk, citation)
            for chunk, citation in found
            if not (
                citation.path == own
                and citation.start_line <= last + 1
                and citation.end_line >= first + 1
            )
        ]

    def _question(
        self, request: SuggestionRequest, target: str, first: int, last: int, root: Path | None
    ) -> str:
        workspace = self.code.workspace_for(request.path)
        name = relative(request.path, workspace)
        lang = request.language
        parts = [
            TASKS[request.kind],
            f"File: {name} ({lang or 'unknown language'})",
            f"Target code (lines {first + 1}-{last + 1}):\n```{lang}\n{target}\n```",
        ]
        if request.diagnostic:
            parts.append(f"Reported problem: {request.diagnostic}")
        if request.kind == "tests":
            test_path = path_for_tests(request.path, root, lang)
            where = relative(test_path, workspace)
            parts.append(f"The tests will be saved as {where}.")
            if lang == "python":
                module = python_module(request.path, root)
                parts.append(f"Import the code under test from `{module}`.")
            if test_path.exists():
                parts.append("That file exists; return only the new tests to append to it.")
        elif len(request.text) < 20_000:
            parts.append(f"The whole file, for context:\n```{lang}\n{request.text}\n```")
        return "\n\n".join(parts)

    def _edit(
        self,
        request: SuggestionRequest,
        code: str,
        target: str,
        first: int,
        last: int,
        root: Path | None,
    ) -> LineEdit:
        if request.kind == "tests":
            test_path = path_for_tests(request.path, root, request.language)
            existing = existing_text(test_path)
            return append_text(test_path, existing, code)
        return replace_lines(
            request.path, request.text, first, last, match_indentation(target, code)
        )


def edit_base(request: SuggestionRequest, edit: LineEdit) -> str:
    """The text the edit applies to: the buffer, or the test file as it is on disk."""
    if edit.change.path == request.path:
        return request.text
    return existing_text(edit.change.path)


def default_rationale(kind: SuggestionKind) -> str:
    return {
        "refactor": "Refactored the selected code without changing its behaviour.",
        "docstrings": "Added docstrings to the selected code.",
        "fix": "Fixed the reported problem.",
        "tests": "Generated unit tests for the selected code.",
    }[kind]


def existing_text(path: Path) -> str:
    """A test file's current text, read under the rules for paths (no device, capped)."""
    try:
        return read_existing(path, TEST_FILE_MAX_BYTES)
    except PathRefused as exc:
        raise SuggestionFailed(f"Cannot add tests there: {exc}") from exc
