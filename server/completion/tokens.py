"""Token counts of context chunks, from the FIM server's own tokenizer when it has one.

The budget is in the model's tokens, and a character estimate is off by a third either way
on code, so llama.cpp's `POST /tokenize` is asked (counts are cached by text: index chunks
repeat from keystroke to keystroke). It gets a short timeout, because a completion must not
wait on it; when it fails, or the provider has no tokenizer (OpenAI-compatible), the
estimate is used and the result says so. After a failure the tokenizer is left alone for a
while, so a dead one costs one timeout, not one per keystroke.

A chunk costs what llama.cpp's `/infill` spends on it: a file separator token, then
`filename\\n` and the text, tokenized without special-token parsing.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import aiohttp

from server.llm.estimate import estimate_text_tokens

TOKENIZE_TIMEOUT = 0.2  # seconds for all the chunks of one completion
RETRY_AFTER = 30.0  # seconds a failed tokenizer is not asked
CACHE_SIZE = 1024
SEPARATOR_TOKENS = 1  # llama.cpp's FIM_SEP before each input_extra chunk


@dataclass(frozen=True)
class Counted:
    counts: list[int]
    exact: bool  # all from the server's tokenizer
    note: str | None = None  # why not, when the tokenizer failed


def chunk_text(filename: str, text: str) -> str:
    return f"{filename}\n{text}"


def estimate(text: str) -> int:
    return estimate_text_tokens(text) + SEPARATOR_TOKENS


class TokenCounter:
    def __init__(
        self, clock: Callable[[], float] = time.monotonic, timeout: float = TOKENIZE_TIMEOUT
    ) -> None:
        self.clock = clock
        self.timeout = timeout
        self._cache: OrderedDict[tuple[str, str], int] = OrderedDict()
        self._down_until: dict[str, float] = {}

    async def count(
        self, session: aiohttp.ClientSession, endpoint: str | None, texts: Sequence[str]
    ) -> Counted:
        """Counts of `texts` with llama.cpp's tokenizer at `endpoint` (None: estimates)."""
        if endpoint is None or not texts:
            return Counted([estimate(t) for t in texts], exact=False)
        if self.clock() < self._down_until.get(endpoint, 0.0):
            note = f"context budget estimated: the tokenizer at {endpoint} failed recently"
            return Counted(self._known_or_estimated(endpoint, texts), False, note)
        missing = list(dict.fromkeys(t for t in texts if (endpoint, t) not in self._cache))
        if missing:
            try:
                async with asyncio.timeout(self.timeout):
                    counts = await asyncio.gather(
                        *(self._tokenize(session, endpoint, t) for t in missing)
                    )
            except (aiohttp.ClientError, TimeoutError, ValueError, KeyError, TypeError) as exc:
                self._down_until[endpoint] = self.clock() + RETRY_AFTER
                reason = "no answer in time" if isinstance(exc, TimeoutError) else str(exc)
                note = f"context budget estimated: the tokenizer at {endpoint}: {reason}"
                return Counted(self._known_or_estimated(endpoint, texts), False, note)
            for text, tokens in zip(missing, counts, strict=True):
                self._remember(endpoint, text, tokens + SEPARATOR_TOKENS)
        return Counted([self._cache[(endpoint, t)] for t in texts], exact=True)

    async def _tokenize(self, session: aiohttp.ClientSession, endpoint: str, text: str) -> int:
        body = {"content": text, "add_special": False, "parse_special": False}
        async with session.post(f"{endpoint}/tokenize", json=body) as response:
            if response.status != 200:
                raise ValueError(f"HTTP {response.status}")
            answer = await response.json(content_type=None)
        return len(answer["tokens"])

    def _known_or_estimated(self, endpoint: str, texts: Sequence[str]) -> list[int]:
        return [self._cache.get((endpoint, t)) or estimate(t) for t in texts]

    def _remember(self, endpoint: str, text: str, tokens: int) -> None:
        self._cache[(endpoint, text)] = tokens
        self._cache.move_to_end((endpoint, text))
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
