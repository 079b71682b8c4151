"""The real embedder, counting what it is asked to embed (so tests see what was re-embedded)."""

from __future__ import annotations

from collections.abc import Sequence

from server.indexing.torch_embedder import SentenceTransformerEmbedder


class CountingEmbedder:
    """The real embedder, counting the texts it is asked to embed."""

    def __init__(self, inner: SentenceTransformerEmbedder) -> None:
        self.inner = inner
        self.texts: list[str] = []

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self.texts.extend(texts)
        return self.inner.embed(texts)
