"""Edit contracts: what each AI action may change, checked before its edit is offered.

A model asked for docstrings may answer with a rewritten function, the whole file, or less
code than it was given; a parse check passes all of these. So every action states what its
edit may touch, and an edit that breaks that is refused with the reason:

* docstrings: only docstrings and comments change (the code without them is token-identical);
* refactor and fix: the edit stays inside the selected definition, keeps the definitions it
  replaces (names and signatures, unless the action's purpose asks for a rename or a new
  signature) and adds no code beside them;
* tests: only creates or appends to a test file, and the code added defines tests.

Languages without a grammar get weaker, line-based checks, and the verdict says so.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from server.chat.code_shape import Definition, Token, code_tokens, definitions, region_items
from server.indexing.chunking.registry import spec_for

COMMENT_PREFIXES = ("#", "//", "/*", "*", "--", ";", '"""', "'''", "%", "<!--", "=begin", "=end")
RENAME = re.compile(r"\b(re)?nam(e|es|ed|ing)\b", re.IGNORECASE)
SIGNATURE = re.compile(
    r"\b(signatures?|parameters?|arguments?|args?|annotations?|type hints?|return types?)\b",
    re.IGNORECASE,
)
TEST_NAME = re.compile(
    r"^(test_.+|.+_test\.\w+|.+[._-](test|spec)\.\w+|Test.+|.+Tests?\.\w+|.+_spec\.rb)$"
)
TESTS_IN: dict[str, re.Pattern[str]] = {
    "python": re.compile(r"^\s*(async\s+)?def\s+test\w*\s*\(|^\s*class\s+Test\w*", re.M),
    "javascript": re.compile(r"\b(test|it|describe)(\.\w+)?\s*\("),
    "typescript": re.compile(r"\b(test|it|describe)(\.\w+)?\s*\("),
    "tsx": re.compile(r"\b(test|it|describe)(\.\w+)?\s*\("),
    "go": re.compile(r"^func\s+(Test|Benchmark|Fuzz|Example)\w*\s*\(", re.M),
    "rust": re.compile(r"#\[(\w+::)*test\]"),
    "java": re.compile(r"@Test\b"),
    "csharp": re.compile(r"\[(Test|Fact|Theory|TestMethod)\b"),
    "ruby": re.compile(r"^\s*(it|describe|test)\b|def\s+test_", re.M),
    "php": re.compile(r"function\s+test\w*\s*\(|@test\b"),
    "c": re.compile(r"\bTEST(_F|_P)?\s*\(|\btest_\w+\s*\("),
    "cpp": re.compile(r"\bTEST(_F|_P|_CASE)?\s*\(|\btest_\w+\s*\("),
    "bash": re.compile(r"@test\b|\btest_\w+\s*\(\)"),
}
REPEAT_LINES = 3  # a run this long copied from outside the selection is a pasted file


@dataclass(frozen=True)
class Verdict:
    """Whether an edit keeps its action's contract: what was checked, or why it breaks it."""

    ok: bool
    checked: str
    reason: str = ""


@dataclass(frozen=True)
class Replacement:
    """Lines `first`..`last` of `before` (0-based, inclusive) became `first`..`new_last` of
    `after`; everything else is unchanged."""

    language: str
    before: str
    after: str
    first: int
    last: int
    new_last: int

    @classmethod
    def of(cls, language: str, before: str, after: str, first: int, last: int) -> Replacement:
        grown = len(after.splitlines()) - len(before.splitlines())
        return cls(language, before, after, first, last, max(first, last + grown))


def _line(text: str, row: int) -> str:
    lines = text.splitlines()
    line = lines[row].strip() if 0 <= row < len(lines) else ""
    return line if len(line) <= 80 else line[:77] + "..."


def broken(reason: str) -> Verdict:
    return Verdict(ok=False, checked="", reason=reason)


# docstrings ------------------------------------------------------------------------------


def docstrings_only(edit: Replacement) -> Verdict:
    """Only docstrings and comments may change."""
    old = code_tokens(edit.language, edit.before)
    new = code_tokens(edit.language, edit.after)
    if old is None or new is None:
        return _comment_lines_only(edit)
    if [t.text for t in old] == [t.text for t in new]:
        return Verdict(
            ok=True,
            checked="only docstrings and comments changed (the code without them is "
            f"token-identical, {edit.language} parser)",
        )
    index = next(
        (i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a.text != b.text),
        min(len(old), len(new)),
    )
    was = _source_token(old, index)
    now = _source_token(new, index)
    if now is None and was is not None:
        where = f"code from line {was.line + 1} (`{_line(edit.before, was.line)}`) is removed"
    elif was is None and now is not None:
        where = f"line {now.line + 1} (`{_line(edit.after, now.line)}`) is added"
    else:
        assert was is not None and now is not None
        where = (
            f"line {now.line + 1} reads `{_line(edit.after, now.line)}` where line "
            f"{was.line + 1} read `{_line(edit.before, was.line)}`"
        )
    return broken(f"it changes code, not only docstrings and comments: {where}")


def _source_token(tokens: list[Token], index: int) -> Token | None:
    """The first token at or after `index` that is source text (not a node marker)."""
    return next((t for t in tokens[index:] if not t.marker), None)


def _block(text: str, first: int, last: int) -> list[str]:
    return text.splitlines()[first : last + 1]


def _comment_lines_only(edit: Replacement) -> Verdict:
    """Without a grammar: lines may only be inserted, and each must look like a comment."""
    old = [line.strip() for line in _block(edit.before, edit.first, edit.last)]
    new = [line.strip() for line in _block(edit.after, edit.first, edit.new_last)]
    for tag, i1, _, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if tag != "insert":
            row = edit.first + i1
            return broken(
                f"it changes or removes line {row + 1} (`{_line(edit.before, row)}`); "
                f"without a {edit.language or 'known'} parser only added comment lines are "
                "accepted"
            )
        for offset, line in enumerate(new[j1:j2]):
            if line and not line.startswith(COMMENT_PREFIXES):
                row = edit.first + j1 + offset
                return broken(f"line {row + 1} (`{line[:80]}`) is added and is not a comment")
    return Verdict(
        ok=True,
        checked="only comment lines were added (checked line by line: no parser for "
        f"{edit.language or 'this language'})",
    )


# refactor and fix ------------------------------------------------------------------------


@dataclass(frozen=True)
class Allowance:
    """What the action's purpose (its title, the diagnostic) allows beyond the defaults."""

    purpose: str

    def rename(self, name: str) -> bool:
        return bool(RENAME.search(self.purpose)) and bool(
            name and re.search(rf"\b{re.escape(name)}\b", self.purpose)
        )

    def new_signature(self) -> bool:
        return bool(SIGNATURE.search(self.purpose))


def _same(old: Definition, new: Definition, allow: Allowance) -> str:
    """'' when `new` keeps `old`'s name and signature (as allowed), else what changed."""
    if old.name != new.name and not allow.rename(old.name):
        return f"it renames {old.name} to {new.name}, and the action does not ask for a rename"
    if old.signature != new.signature and not allow.new_signature():
        if old.signature.replace(old.name, new.name, 1) != new.signature:
            return (
                f"it changes the signature of {old.name} from `{old.header}` to "
                f"`{new.header}`, and the action does not ask for that"
            )
    return ""


def within_definition(edit: Replacement, purpose: str) -> Verdict:
    """The edit stays inside the selected definition and keeps its name and signature."""
    before = definitions(edit.language, edit.before)
    after = definitions(edit.language, edit.after)
    if before is None or after is None:
        return _no_pasted_code(edit)
    allow = Allowance(purpose)

    def inside_before(d: Definition) -> bool:
        return d.start >= edit.first and d.end <= edit.last

    def inside_after(d: Definition) -> bool:
        return d.start >= edit.first and d.end <= edit.new_last

    outer_before = [d for d in before if not inside_before(d)]
    outer_after = [d for d in after if not inside_after(d)]
    if len(outer_before) != len(outer_after):
        gone = [d.name for d in outer_before if d.name not in {a.name for a in outer_after}]
        what = f"ends {', '.join(gone)}" if gone else "changes the definitions around it"
        return broken(f"it reaches outside the selected lines: the edit {what}")
    enclosing: list[Definition] = []
    for old, new in zip(outer_before, outer_after, strict=True):
        if problem := _same(old, new, allow):
            return broken(problem)
        if old.start <= edit.first and old.end >= edit.last:
            if not (new.start <= edit.first and new.end >= edit.new_last):
                return broken(
                    f"the new code leaves {old.name}: it ends on line {new.end + 1}, before "
                    f"the edit's last line {edit.new_last + 1}"
                )
            enclosing.append(old)
    top_before = [d for d in before if inside_before(d) and not _nested(d, before, inside_before)]
    top_after = [d for d in after if inside_after(d) and not _nested(d, after, inside_after)]
    if top_before:
        if problem := _same_definitions(top_before, top_after, allow):
            return broken(problem)
    elif top_after and not any(d.kind == "function" for d in enclosing):
        added = top_after[0]
        return broken(
            f"it adds {added.name} (line {added.start + 1}) outside the selected definition"
        )
    if problem := _stray_code(edit, bool(top_before)):
        return broken(problem)
    names = [d.name for d in top_before] or [d.name for d in enclosing[-1:]]
    kept = f"; keeps the name and signature of {', '.join(names)}" if names else ""
    return Verdict(
        ok=True,
        checked=f"the edit stays on lines {edit.first + 1}-{edit.last + 1}{kept} "
        f"({edit.language} parser)",
    )


def _nested(d: Definition, all_: list[Definition], inside: Callable[[Definition], bool]) -> bool:
    return d.parent is not None and inside(all_[d.parent])


def _same_definitions(old: list[Definition], new: list[Definition], allow: Allowance) -> str:
    for index, was in enumerate(old):
        if index >= len(new):
            return f"it removes {was.name}"
        if problem := _same(was, new[index], allow):
            return problem
    if len(new) > len(old):
        extra = new[len(old)]
        return f"it adds {extra.name} (line {extra.start + 1}) outside the selected definition"
    return ""


def _stray_code(edit: Replacement, selected_definitions: bool) -> str:
    """When the selection was definitions only, the answer may not add code beside them."""
    spec = spec_for(edit.language)
    if not selected_definitions or spec is None:
        return ""
    kinds = spec.functions | spec.containers.keys() | spec.wrappers.keys()
    old = region_items(edit.language, edit.before, edit.first, edit.last) or []
    if any(node.type not in kinds for node in old):
        return ""  # the selection itself mixed code and definitions
    for node in region_items(edit.language, edit.after, edit.first, edit.new_last) or []:
        if node.type not in kinds:
            row = node.start_point[0]
            return (
                f"it adds code outside the selected definition: line {row + 1} "
                f"(`{_line(edit.after, row)}`)"
            )
    return ""


def _windows(lines: list[str]) -> set[tuple[str, ...]]:
    return {
        tuple(lines[i : i + REPEAT_LINES])
        for i in range(len(lines) - REPEAT_LINES + 1)
        if all(sum(c.isalnum() for c in line) >= 2 for line in lines[i : i + REPEAT_LINES])
    }


def _no_pasted_code(edit: Replacement) -> Verdict:
    """Without a grammar: the new lines may not repeat code from outside the selection."""
    lines = [line.strip() for line in edit.before.splitlines()]
    outside = _windows(lines[: edit.first]) | _windows(lines[edit.last + 1 :])
    old = _windows(lines[edit.first : edit.last + 1])
    new = [line.strip() for line in _block(edit.after, edit.first, edit.new_last)]
    for i in range(len(new) - REPEAT_LINES + 1):
        window = tuple(new[i : i + REPEAT_LINES])
        if window in outside and window not in old:
            return broken(
                f"it repeats code from outside the selected lines (line {edit.first + i + 1}: "
                f"`{new[i][:80]}`)"
            )
    return Verdict(
        ok=True,
        checked=f"the edit stays on lines {edit.first + 1}-{edit.last + 1} and repeats no code "
        f"from outside them (no parser for {edit.language or 'this language'}: name and "
        "signature not checked)",
    )


# tests -----------------------------------------------------------------------------------


def is_test_file(path: Path) -> bool:
    return bool(TEST_NAME.match(path.name))


def adds_tests_only(
    path: Path, root: Path | None, language: str, existing: str | None, appended: bool, code: str
) -> Verdict:
    """Creates or appends to a test file (its real target too), and adds tests."""
    shown = path.relative_to(root) if root is not None and path.is_relative_to(root) else path
    if not is_test_file(path):
        return broken(f"{shown} is not a test file")
    real = path.resolve()
    if real != path and not is_test_file(real):
        return broken(f"{shown} leads to {real}, which is not a test file")
    if root is not None and not real.is_relative_to(root.resolve()):
        return broken(f"{shown} leads to {real}, outside the workspace")
    if existing is not None and not appended:
        return broken(f"it changes the existing lines of {shown}; tests are only appended")
    pattern = TESTS_IN.get(language)
    count = len(pattern.findall(code)) if pattern is not None else None
    if count == 0:
        return broken(f"the code it adds to {shown} defines no test")
    verb = "creates" if existing is None else "appends to"
    found = f", defining {count} test(s)" if count is not None else ""
    return Verdict(ok=True, checked=f"it only {verb} {shown}, a test file{found}")
