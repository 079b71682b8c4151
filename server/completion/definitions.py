"""Definitions of what the code at the cursor uses: the names it calls, the attributes it
reads and the types it names, and which index chunks define them.

A search for the identifiers near the cursor finds code that looks like the code being
written, mostly other places that use the same names. What the model lacks is the other
side: the signature of the function being called, the fields of the class. So the names
used near the cursor are searched again, and chunks that define one of them (`def name`,
`class Name`, `fn name` ...) go first. Names defined in the window itself are skipped: the
model sees those already.
"""

from __future__ import annotations

import re
from functools import lru_cache

USED_LINES_BEFORE = 6
USED_LINES_AFTER = 2
MAX_NAMES = 6
CALLED = re.compile(r"([A-Za-z_]\w{2,})\s*\(")
ATTRIBUTE = re.compile(r"\.([A-Za-z_]\w{2,})")
TYPE_NAME = re.compile(r"\b([A-Z][a-z0-9]\w+)\b")  # CapWords: constants in CAPS are not types
STRING = re.compile(r"\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'")
DEFINED = re.compile(
    r"^\s*(?:export\s+)?(?:async\s+)?(?:def|class|function|func|fn|fun|interface|struct|type"
    r"|enum|trait)\s+\*?([A-Za-z_]\w*)",
    re.MULTILINE,
)
NOT_NAMES = frozenset(
    "self cls this super print len str int bool float dict list set tuple range isinstance "
    "getattr setattr hasattr type None True False Exception ValueError TypeError KeyError "
    "String Object Array Promise Error".split()
)


def used_names(prefix: str, suffix: str) -> list[str]:
    """Names used around the cursor, nearest first, less those defined in the window."""
    before = STRING.sub('""', "\n".join(prefix.split("\n")[-USED_LINES_BEFORE:]))
    after = STRING.sub('""', "\n".join(suffix.split("\n")[:USED_LINES_AFTER]))
    defined = set(DEFINED.findall(prefix)) | set(DEFINED.findall(suffix))
    names: list[str] = []
    for text, nearest_last in ((before, True), (after, False)):
        found = [
            (m.start(), m.group(1))
            for pattern in (CALLED, ATTRIBUTE, TYPE_NAME)
            for m in pattern.finditer(text)
        ]
        found.sort(reverse=nearest_last)
        for _, name in found:
            if name not in names and name not in defined and name not in NOT_NAMES:
                names.append(name)
    return names[:MAX_NAMES]


@lru_cache(maxsize=256)
def defined_in(text: str) -> frozenset[str]:
    return frozenset(DEFINED.findall(text))


def defines_any(text: str, names: list[str]) -> int | None:
    """The rank in `names` of the first name `text` defines, or None."""
    defined = defined_in(text)
    return next((rank for rank, name in enumerate(names) if name in defined), None)
