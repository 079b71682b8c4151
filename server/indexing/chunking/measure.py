"""Token accounting over the lines of one file.

Counting is the expensive part of chunking, so it is done per line, at most once per line,
and only where a character estimate cannot decide: a range whose non-blank character count
(an upper bound of its wordpieces for ASCII text) fits the limit needs no count at all.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import accumulate

CountTokens = Callable[[str], int]

# Wordpieces never span whitespace, and each has at least one character; non-ASCII text
# can expand under Unicode normalisation, hence a generous factor.
_NON_ASCII_FACTOR = 4
# Code averages ~2.5 characters a wordpiece; beyond this many characters a token a range is
# taken as too large without counting (it only makes the chunker look inside it).
_MAX_CHARS_PER_TOKEN = 16


def _upper_bound(line: str) -> int:
    if line.isascii():
        return len(line) - line.count(" ") - line.count("\t") - line.count("\r")
    return _NON_ASCII_FACTOR * len(line)


class Measure:
    """Token costs of line ranges of one file (0-based inclusive line numbers)."""

    def __init__(self, lines: list[str], count_tokens: CountTokens, limit: int) -> None:
        self.lines = lines
        self.count_tokens = count_tokens
        self.limit = limit  # tokens available to a chunk's embed_text
        self._many = getattr(count_tokens, "count_many", None)
        ub = [0 if not line or line.isspace() else _upper_bound(line) for line in lines]
        self._ub = [0, *accumulate(ub)]
        self._chars = [0, *accumulate(len(line) for line in lines)]
        self.exact: list[int | None] = [0 if u == 0 else None for u in ub]
        self.calls = 0

    def count(self, text: str) -> int:
        self.calls += 1
        return self.count_tokens(text)

    def upper(self, a: int, b: int) -> int:
        return self._ub[b + 1] - self._ub[a]

    def _ensure(self, a: int, b: int) -> None:
        exact = self.exact
        todo = [i for i in range(a, b + 1) if exact[i] is None]
        if not todo:
            return
        lines = self.lines
        if self._many is not None and len(todo) > 1:
            self.calls += 1
            counts = self._many([lines[i] for i in todo])
        else:
            counts = [self.count(lines[i]) for i in todo]
        for i, n in zip(todo, counts, strict=True):
            exact[i] = n

    def tokens(self, a: int, b: int) -> int:
        """Exact count of lines a..b (as the sum of the line counts)."""
        if b < a:
            return 0
        self._ensure(a, b)
        return sum(self.exact[a : b + 1])  # type: ignore[arg-type]

    def fits(self, a: int, b: int, header: int) -> bool:
        room = self.limit - header
        if self.upper(a, b) <= room:
            return True
        if self._chars[b + 1] - self._chars[a] > _MAX_CHARS_PER_TOKEN * max(room, 1):
            return False
        return self.tokens(a, b) <= room

    def cost(self, a: int, b: int) -> int:
        """Tokens of lines a..b for packing: the bound when it is tiny, else the count."""
        ub = self.upper(a, b)
        if ub <= 8:
            return ub
        return self.tokens(a, b)
