"""Spans (planned chunks as line ranges) and their turning into Chunks within the budget."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from server.indexing.chunk import Chunk
from server.indexing.chunking.measure import Measure

_CLOSERS = frozenset("{}()[];,")
_CLOSER_WORDS = frozenset({"end", "end;", "fi", "done", "esac", "#endif", "endif", "?>"})


@dataclass
class Span:
    """A planned chunk: lines a..b (0-based, inclusive) or, for a cut line, a piece of it."""

    a: int
    b: int
    kind: str
    symbol: str
    extra: str = ""  # header lines after the title (signature, member outline)
    hcost: int = 0  # tokens of the whole header
    text: str | None = None  # set only for pieces of an over-long line


def _is_blank(line: str) -> bool:
    return not line or line.isspace()


def _trivial(line: str) -> bool:
    s = line.strip()
    return not s or s in _CLOSER_WORDS or all(ch in _CLOSERS for ch in s)


class Builder:
    """Shared by the code, markdown and text chunkers of one file."""

    def __init__(self, path: str, language: str, lines: list[str], measure: Measure) -> None:
        self.path = path
        self.language = language
        self.lines = lines
        self.m = measure
        self.limit = measure.limit
        self._titles: dict[tuple[str, str], tuple[str, int]] = {}
        self.spans: list[Span] = []

    # headers -------------------------------------------------------------------------

    def title(self, symbol: str, kind: str) -> tuple[str, int]:
        """The header's first line and its token count (never more than half the limit)."""
        key = (symbol, kind)
        hit = self._titles.get(key)
        if hit is None:
            name = self.path.rsplit("/", 1)[-1]
            short = symbol[:40] + "..." if len(symbol) > 40 else symbol
            candidates = [(self.path, symbol), (self.path, short), (name, short)]
            for path, sym in candidates:  # shorten a huge symbol, then a long path
                body = f"{path}: {sym}" if sym else path
                line = f"# {body} ({kind})\n"
                n = self.m.count(line)
                if n <= self.limit // 2:
                    break
            while n > self.limit // 2 and len(body) > 1:
                body = body[: len(body) // 2]
                line = f"# {body} ({kind})\n"
                n = self.m.count(line)
            hit = self._titles[key] = (line, n)
        return hit

    def signature(self, row: int, end: int) -> str:
        """A definition's signature, lines row..end, as header text when it has at most 4
        lines, else its first line (a long parameter list is not worth repeating in every
        part); "" if even that is over a quarter of the room."""
        for last in (end, row) if end - row < 4 else (row,):
            text = "\n".join(s for s in (x.strip() for x in self.lines[row : last + 1]) if s)
            if text and self.m.tokens(row, last) <= self.limit // 4:
                return text + "\n"
        return ""

    def hcost(self, symbol: str, kind: str, extra: str = "") -> int:
        return self.title(symbol, kind)[1] + (self.m.count(extra) if extra else 0)

    def add(self, a: int, b: int, kind: str, symbol: str, extra: str = "", hcost: int = -1) -> None:
        if hcost < 0:
            hcost = self.hcost(symbol, kind, extra)
        self.spans.append(Span(a, b, kind, symbol, extra, hcost))

    # packing ---------------------------------------------------------------------------

    def pack(
        self,
        pieces: Sequence[tuple[int, int]],
        symbol: str,
        kind: str,
        extra: str = "",
        split: Callable[[int, str, str, str, int], None] | None = None,
    ) -> None:
        """Greedily group consecutive line ranges into chunks up to the budget.

        A piece too large on its own goes to `split(index, symbol, kind, extra, hcost)` (or
        to line windows).
        """
        if not pieces:
            return
        h = self.hcost(symbol, kind, extra)
        m = self.m
        if m.fits(pieces[0][0], pieces[-1][1], h):
            self.add(pieces[0][0], pieces[-1][1], kind, symbol, extra, h)
            return
        room = self.limit - h
        cur_a = cur_b = -1
        cur_t = 0
        for index, (a, b) in enumerate(pieces):
            if not m.fits(a, b, h):
                if cur_a >= 0:
                    self.add(cur_a, cur_b, kind, symbol, extra, h)
                    cur_a = -1
                if split is not None:
                    split(index, symbol, kind, extra, h)
                else:
                    self.windows(a, b, symbol, kind, extra)
                continue
            t = m.cost(a, b)
            if cur_a >= 0 and cur_t + t <= room:
                cur_b = b
                cur_t += t
            else:
                if cur_a >= 0:
                    self.add(cur_a, cur_b, kind, symbol, extra, h)
                cur_a, cur_b, cur_t = a, b, t
        if cur_a >= 0:
            self.add(cur_a, cur_b, kind, symbol, extra, h)

    def windows(
        self, a: int, b: int, symbol: str, kind: str, extra: str = "", overlap: int = 0
    ) -> None:
        """Line windows over a..b, each up to the budget; over-long lines are cut."""
        h = self.hcost(symbol, kind, extra)
        room = self.limit - h
        m = self.m
        if m.fits(a, b, h):
            self.add(a, b, kind, symbol, extra, h)
            return
        m.tokens(a, b)  # count all lines at once
        exact = m.exact
        lines = self.lines
        cur_a = -1
        cur_b = -1
        cur_t = 0
        for i in range(a, b + 1):
            t = exact[i]
            assert t is not None
            if cur_a < 0 and _is_blank(lines[i]):
                continue
            if t > room:
                if cur_a >= 0:
                    self.add(cur_a, cur_b, kind, symbol, extra, h)
                    cur_a = -1
                self.cut(i, symbol, kind, extra, h)
                continue
            if cur_a >= 0 and cur_t + t > room:
                self.add(cur_a, cur_b, kind, symbol, extra, h)
                start, start_t = i, 0
                if overlap > 0:
                    j = max(cur_a + 1, cur_b - overlap + 1)
                    back = sum(exact[j : cur_b + 1])  # type: ignore[arg-type]
                    if j <= cur_b and back + t <= room // 2:
                        start, start_t = j, back
                cur_a, cur_t = start, start_t
            elif cur_a < 0:
                cur_a, cur_t = i, 0
            cur_b = i
            cur_t += t
        if cur_a >= 0:
            self.add(cur_a, cur_b, kind, symbol, extra, h)

    def cut(self, row: int, symbol: str, kind: str, extra: str, h: int) -> None:
        """Pieces of one line too long for a chunk, each within the budget."""
        line = self.lines[row]
        title = self.title(symbol, kind)[0]
        room = self.limit - h
        size = max(8, room * 3)
        pos = 0
        while pos < len(line):
            end = min(len(line), pos + size)
            if end < len(line):  # prefer to cut after whitespace or punctuation
                for k in range(end, pos + size // 2, -1):
                    if not line[k - 1].isalnum():
                        end = k
                        break
            piece = line[pos:end]
            n = self.m.count(title + extra + piece)
            if n > self.limit:
                size = max(1, min(len(piece) - 1, int(len(piece) * self.limit / n * 0.9)))
                if len(piece) > 1:
                    continue
            if piece.strip():
                self.spans.append(Span(row, row, kind, symbol, extra, n, piece))
            pos = end
            if n < self.limit * 0.6:
                size = int(size * 1.3) + 1

    # output ----------------------------------------------------------------------------

    def finish(self, verify: bool) -> list[Chunk]:
        lines = self.lines
        spans: list[Span] = []
        for s in self.spans:
            if s.text is None:
                while s.a <= s.b and _is_blank(lines[s.a]):
                    s.a += 1
                while s.b >= s.a and _is_blank(lines[s.b]):
                    s.b -= 1
                if s.a > s.b:
                    continue
                prev = spans[-1] if spans else None
                if (
                    prev is not None
                    and prev.text is None
                    and prev.b < s.a
                    and all(_trivial(lines[i]) for i in range(s.a, s.b + 1))
                    and self.m.fits(prev.a, s.b, prev.hcost)
                ):
                    prev.b = s.b  # a lone closing brace or `end` joins what it closes
                    continue
            spans.append(s)
        if verify:
            spans = self._verified(spans)
        chunks = []
        for s in spans:
            text = s.text if s.text is not None else "\n".join(lines[s.a : s.b + 1])
            embed = self.title(s.symbol, s.kind)[0] + s.extra + text
            chunks.append(
                Chunk(self.path, self.language, s.symbol, s.kind, s.a + 1, s.b + 1, text, embed)
            )
        return chunks

    def _verified(self, spans: list[Span]) -> list[Span]:
        """Recount whole chunks (for counters where line counts do not add up)."""
        out: list[Span] = []
        lines = self.lines
        for s in spans:
            text = s.text if s.text is not None else "\n".join(lines[s.a : s.b + 1])
            title = self.title(s.symbol, s.kind)[0]
            if self.m.count(title + s.extra + text) <= self.limit:
                out.append(s)
                continue
            out.extend(self._exact_windows(s))
        return out

    def _exact_windows(self, s: Span) -> list[Span]:
        title = self.title(s.symbol, s.kind)[0]
        head = title + s.extra
        if self.m.count(head) > self.limit // 2:
            head, s.extra = title, ""
        out: list[Span] = []
        if s.text is not None or s.a == s.b:
            source = s.text if s.text is not None else self.lines[s.a]
            pos = 0
            while pos < len(source):
                lo, hi = pos + 1, len(source)
                while lo < hi:  # longest prefix that fits
                    mid = (lo + hi + 1) // 2
                    if self.m.count(head + source[pos:mid]) <= self.limit:
                        lo = mid
                    else:
                        hi = mid - 1
                piece = source[pos:lo]
                if piece.strip():
                    out.append(Span(s.a, s.a, s.kind, s.symbol, s.extra, 0, piece))
                pos = lo
            return out
        a = s.a
        while a <= s.b:
            b = a
            while b < s.b and self.m.count(head + "\n".join(self.lines[a : b + 2])) <= self.limit:
                b += 1
            if self.m.count(head + "\n".join(self.lines[a : b + 1])) > self.limit:
                out.extend(self._exact_windows(Span(a, a, s.kind, s.symbol, s.extra)))
            elif any(not _is_blank(x) for x in self.lines[a : b + 1]):
                out.append(Span(a, b, s.kind, s.symbol, s.extra))
            a = b + 1
        return out
