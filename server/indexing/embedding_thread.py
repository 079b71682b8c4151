"""`EmbeddingThread`: the one thread that runs the model, so model calls never stall the event
loop, with queries ahead of index batches."""

from __future__ import annotations

import asyncio
import itertools
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Any

from server.indexing.embedder import Embedder, LoadsModel, TokenLengths
from server.indexing.embedding_model import padded_batches
from server.indexing.onnx_embedder import BATCH_TOKENS

# Padded tokens per bulk slice of the embedding thread, which bounds how long a query waits
# behind indexing: 16 full-size chunks (~0.2 s on two cores).
SLICE_TOKENS = BATCH_TOKENS
CHARS_PER_TOKEN = 4  # the estimate for embedders that cannot count tokens


def _telling(
    on_slice: Callable[[list[int]], None], part: list[int]
) -> Callable[[asyncio.Future[list[list[float]]]], None]:
    """A done-callback that tells `on_slice` of `part` once its slice succeeded."""

    def done(future: asyncio.Future[list[list[float]]]) -> None:
        if not future.cancelled() and future.exception() is None:
            on_slice(part)

    return done


class EmbeddingThread:
    """Runs an embedder on one dedicated thread so model calls never stall the event loop.

    Index batches are cut into slices and queued behind urgent work, so a search query
    waits for at most one slice, not for the whole indexing backlog.
    """

    URGENT, BULK = 0, 1

    def __init__(self, embedder: Embedder, *, slice_tokens: int = SLICE_TOKENS) -> None:
        self.embedder = embedder
        self.slice_tokens = slice_tokens
        self._queue: queue.PriorityQueue[tuple[int, int, Any]] = queue.PriorityQueue()
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.loading = False  # the model is being loaded (status shows it as a phase)

    @property
    def stage(self) -> str:
        """What loading the model is doing now, as the embedder says ("" when not loading)."""
        loads = self.loading and isinstance(self.embedder, LoadsModel)
        return self.embedder.stage if loads else ""  # type: ignore[attr-defined]

    async def load(self, on_change: Callable[[], None] = lambda: None) -> None:
        """Load the model before the first batch, so that loading is a phase of its own
        rather than hidden in the first batch's time; later calls return at once.
        `on_change` hears when loading begins and ends."""
        if not isinstance(self.embedder, LoadsModel) or self.embedder.loaded:
            return
        self.loading = True
        on_change()
        try:
            await asyncio.to_thread(self.embedder.load)
        finally:
            self.loading = False
            on_change()

    def _ensure_thread(self) -> None:
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="auro-embed", daemon=True)
                self._thread.start()

    def _work(self) -> None:
        while True:
            _, _, job = self._queue.get()
            if job is None:
                return
            texts, future = job
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(self.embedder.embed(texts))
            except BaseException as exc:
                future.set_exception(exc)

    def _submit(self, texts: list[str], priority: int) -> Future[list[list[float]]]:
        self._ensure_thread()
        future: Future[list[list[float]]] = Future()
        self._queue.put((priority, next(self._seq), (texts, future)))
        return future

    async def embed(
        self,
        texts: Sequence[str],
        *,
        urgent: bool = False,
        on_slice: Callable[[list[int]], None] | None = None,
    ) -> list[list[float]]:
        """Vectors for `texts`; `urgent` (queries) jumps ahead of queued index batches.
        `on_slice` hears the indexes of `texts` each finished slice covered (progress)."""
        items = list(texts)
        if urgent:
            return await asyncio.wrap_future(self._submit(items, self.URGENT)) if items else []
        # Slices of similar length pad less (measured: onnx +25-60%, torch +8% texts/s with
        # slices of 16 cut from a length-sorted batch of 64), and a budget of padded tokens
        # lets short texts share a slice (the pipeline then matches embedding the same texts
        # in one call, docs/benchmarks.md). Each slice keeps the batch's order and slices go
        # in the order of their first text, so what the caller put first (prioritized
        # files) is still embedded first.
        if isinstance(self.embedder, TokenLengths):
            lengths = await asyncio.to_thread(self.embedder.token_lengths, items)
        else:
            lengths = [1 + len(text) // CHARS_PER_TOKEN for text in items]
        slices = sorted(sorted(part) for part in padded_batches(lengths, self.slice_tokens))
        futures = [
            asyncio.wrap_future(self._submit([items[i] for i in part], self.BULK))
            for part in slices
        ]
        if on_slice is not None:
            for part, future in zip(slices, futures, strict=True):
                future.add_done_callback(_telling(on_slice, part))
        vectors: list[list[float]] = [[] for _ in items]
        for part, result in zip(slices, await asyncio.gather(*futures), strict=True):
            for i, vector in zip(part, result, strict=True):
                vectors[i] = vector
        return vectors

    def close(self, timeout: float = 30.0, *, wait: bool = True) -> None:
        """Stop the thread after the slice in progress and wait for it; queued work is
        cancelled. Waiting matters: a process that exits normally while the thread is inside
        the model's native code aborts ("terminate called without an active exception").
        `wait=False` is for a process that ends with `os._exit`, which runs no destructors."""
        while True:
            try:
                _, _, job = self._queue.get_nowait()
            except queue.Empty:
                break
            if job is not None:
                job[1].cancel()
        if self._thread is not None:
            self._queue.put((-1, next(self._seq), None))
            if wait and self._thread is not threading.current_thread():
                self._thread.join(timeout)
