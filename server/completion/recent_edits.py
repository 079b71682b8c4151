"""The regions of open documents edited last, remembered as completion context.

What a developer just changed is what the next line most often uses: the helper written a
minute ago in another file, the field just added to a class. The index holds files as last
saved and indexed; this record holds the buffers as typed. It is small and bounded (a few
documents, a few regions), fed with each buffer's new text at every `didChange`; the edited
lines are found by comparing with the text before, so whole-document and incremental sync
are the same here.

Secrets follow the index's rules: a credential file is never recorded, and nothing of a
buffer holding a key goes out (checked on the current text, when snippets are taken).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from server.secret_rules import has_secret_content, is_secret_path

MAX_DOCUMENTS = 8
MAX_DOCUMENT_CHARS = 400_000  # larger buffers are not recorded (generated or data files)
MARGIN_LINES = 3  # lines shown either side of an edited region
MAX_SPAN_LINES = 24  # a region grown past this restarts at the latest edit


@dataclass
class Region:
    first: int  # 0-based, inclusive, in the document's current lines
    last: int
    stamp: int  # edit counter: higher is more recent


@dataclass
class Tracked:
    text: str
    regions: list[Region] = field(default_factory=list)
    secret_checked: str | None = None  # the text last scanned for keys
    holds_secret: bool = False


@dataclass(frozen=True)
class Snippet:
    path: str
    label: str
    first: int
    last: int
    text: str
    stamp: int


def common_prefix(a: str, b: str) -> int:
    """Length of the common prefix, by bisection over slices (C speed on big buffers)."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def common_suffix(a: str, b: str, limit: int) -> int:
    lo, hi = 0, min(len(a), len(b), limit)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[len(a) - mid :] == b[len(b) - mid :]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def changed_lines(old: str, new: str) -> tuple[int, int, int] | None:
    """(first, last) changed lines in `new`, and the line count delta; None if equal."""
    if old == new:
        return None
    start = common_prefix(old, new)
    end = common_suffix(old, new, min(len(old), len(new)) - start)
    first = new.count("\n", 0, start)
    last = new.count("\n", 0, len(new) - end)
    return first, max(first, last), new.count("\n") - old.count("\n")


class RecentEdits:
    """A bounded record of recently edited regions, most recent first when read."""

    def __init__(
        self,
        max_regions: int = 16,
        label_of: Callable[[str], str] = lambda path: Path(path).name,
        is_secret: Callable[[Path], bool] = is_secret_path,
    ) -> None:
        self._max_regions = max_regions
        self.label_of = label_of  # the name the model is shown: relative to a workspace root
        self.is_secret = is_secret
        self._docs: OrderedDict[str, Tracked] = OrderedDict()
        self._stamp = 0

    @property
    def max_regions(self) -> int:
        return self._max_regions

    @max_regions.setter
    def max_regions(self, value: int) -> None:
        """A new bound applies at once (0: nothing is kept)."""
        self._max_regions = value
        if value <= 0:
            self._docs.clear()
        self._bound()

    def opened(self, path: str, text: str) -> None:
        """The text edits are compared with; opening is not an edit."""
        if self._recordable(path, text):
            self._docs[path] = Tracked(text)
            self._docs.move_to_end(path)
            self._bound()

    def changed(self, path: str, text: str) -> None:
        if not self._recordable(path, text):
            self._docs.pop(path, None)
            return
        doc = self._docs.get(path)
        if doc is None:  # first seen at an edit: the next one has a base
            self.opened(path, text)
            return
        change = changed_lines(doc.text, text)
        doc.text = text
        if change is None:
            return
        self._stamp += 1
        doc.regions = merge(doc.regions, *change, self._stamp)
        self._docs.move_to_end(path)
        self._bound()

    def snippets(self, skip: tuple[str, int, int] | None = None) -> list[Snippet]:
        """Recent regions with a few lines around them, most recent first; regions of
        documents holding a key are withheld, and those inside `skip` (path, first line,
        last line: the window the model already sees) are left out."""
        found: list[Snippet] = []
        for path, doc in self._docs.items():
            if not doc.regions or self._holds_secret(doc):
                continue
            lines = doc.text.split("\n")
            label = self.label_of(path)
            for region in doc.regions:
                if skip is not None and path == skip[0]:
                    if region.first >= skip[1] and region.last <= skip[2]:
                        continue
                first = max(0, region.first - MARGIN_LINES)
                last = min(len(lines) - 1, region.last + MARGIN_LINES)
                text = "\n".join(lines[first : last + 1])
                if text.strip():
                    found.append(Snippet(path, label, first, last, text, region.stamp))
        return sorted(found, key=lambda s: -s.stamp)

    def withheld(self) -> int:
        """Documents with edits whose regions are withheld because they hold a key."""
        return sum(1 for doc in self._docs.values() if doc.regions and self._holds_secret(doc))

    def _recordable(self, path: str, text: str) -> bool:
        return (
            self.max_regions > 0
            and len(text) <= MAX_DOCUMENT_CHARS
            and not self.is_secret(Path(path))
        )

    def _holds_secret(self, doc: Tracked) -> bool:
        if doc.secret_checked is not doc.text:  # each edit stores a new string: no compare
            doc.holds_secret = has_secret_content(doc.text)
            doc.secret_checked = doc.text
        return doc.holds_secret

    def _bound(self) -> None:
        while len(self._docs) > MAX_DOCUMENTS:
            self._docs.popitem(last=False)
        regions = sorted(
            ((r.stamp, path) for path, doc in self._docs.items() for r in doc.regions),
            reverse=True,
        )
        if regions and len(regions) > self.max_regions > 0:
            oldest_kept = regions[self.max_regions - 1][0]
            for doc in self._docs.values():
                doc.regions = [r for r in doc.regions if r.stamp >= oldest_kept]


def merge(regions: list[Region], first: int, last: int, delta: int, stamp: int) -> list[Region]:
    """Shift the regions below an edit by its line delta; fold those it touches into it."""
    old_last = last - delta  # the edit's last line before it
    kept: list[Region] = []
    span = Region(first, last, stamp)
    for region in regions:
        if region.last < first - MARGIN_LINES:
            kept.append(region)
        elif region.first > old_last + MARGIN_LINES:
            kept.append(Region(region.first + delta, region.last + delta, region.stamp))
        else:
            below = region.last + delta if region.last > old_last else region.last
            grown = Region(min(span.first, region.first), max(span.last, below), stamp)
            if grown.last - grown.first < MAX_SPAN_LINES:
                span = grown
    return [*kept, span]
