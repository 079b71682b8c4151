"""Suggestions remembered by prefix, so typing through a suggestion costs no new request.

After a suggestion `abc` for prefix `P`, a request at prefix `Pa` with the same suffix is
answered `bc` from here. Entries are per document and few: only the latest matter.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass


@dataclass(frozen=True)
class Cached:
    prefix: str
    suffix: str
    text: str
    multiline: bool


class PrefixCache:
    """A small LRU of (document, prefix, suffix) -> suggestion."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[str, str, str], Cached] = OrderedDict()

    def store(self, document: str, entry: Cached) -> None:
        if not entry.text:
            return
        key = (document, entry.prefix, entry.suffix)
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def lookup(self, document: str, prefix: str, suffix: str) -> Cached | None:
        """The rest of a remembered suggestion the user is typing through, if any."""
        for (doc, _, _), entry in reversed(self._entries.items()):
            if doc != document or entry.suffix != suffix or not prefix.startswith(entry.prefix):
                continue
            typed = prefix[len(entry.prefix) :]
            if entry.text.startswith(typed) and len(typed) < len(entry.text):
                return Cached(prefix, suffix, entry.text[len(typed) :], entry.multiline)
        return None

    def clear(self) -> None:
        self._entries.clear()
