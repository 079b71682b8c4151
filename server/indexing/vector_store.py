"""Dense vectors: the `VectorStore` protocol and its Chroma implementation.

Chroma runs embedded (a PersistentClient in the workspace data dir) unless CHROMADB_HOST
names a server. An unreachable server is not fatal: the store falls back to embedded Chroma
and says so through `warning` and `health()`. One collection per workspace root, named by a
hash of the root, so one server can hold many workspaces. Embeddings are always supplied by
the caller; Chroma's own embedding function (which would download a model) is never used.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from server.config import Settings
from server.health import ComponentHealth

log = logging.getLogger(__name__)

Metadata = Mapping[str, str | int | float | bool]
ID_PAGE = 5000


@dataclass(frozen=True)
class VectorHit:
    id: str
    distance: float  # cosine distance: 0 = same direction, 2 = opposite


class VectorStore(Protocol):
    """Where chunk vectors live. Ids are chunk ids; all writes are idempotent."""

    def upsert(
        self, ids: Sequence[str], vectors: Sequence[Sequence[float]], metadatas: Sequence[Metadata]
    ) -> None: ...

    def delete(self, ids: Sequence[str]) -> None: ...

    def query(
        self, vector: Sequence[float], k: int, where: Mapping[str, Any] | None = None
    ) -> list[VectorHit]: ...

    def ids(self) -> set[str]: ...

    def health(self) -> ComponentHealth: ...

    def close(self) -> None: ...


def collection_name(root: Path) -> str:
    """Stable per root and valid for Chroma (3-512 chars of [a-zA-Z0-9._-])."""
    return "auro-" + hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:24]


def _chroma_settings() -> Any:
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


class ChromaVectorStore:
    """A Chroma collection in cosine space, written in batches the server accepts."""

    def __init__(
        self,
        client: Any,
        name: str,
        *,
        mode: Literal["embedded", "http"],
        location: str,
        embedder_name: str,
        warning: str = "",
    ) -> None:
        self.client = client
        self.mode = mode
        self.location = location
        self.warning = warning
        self._last_error = ""
        self._lock = threading.Lock()
        self.collection = self._collection(name, embedder_name)
        self.batch_size = max(1, int(client.get_max_batch_size()))

    def _collection(self, name: str, embedder_name: str) -> Any:
        """Cosine space set explicitly; a collection filled by another model is replaced."""
        metadata = {"embedder": embedder_name}
        collection = self.client.get_or_create_collection(
            name,
            configuration={"hnsw": {"space": "cosine"}},
            metadata=metadata,
            embedding_function=None,
        )
        if (collection.metadata or {}).get("embedder") != embedder_name:
            log.warning("vector collection %s was built by another model; recreating", name)
            self.client.delete_collection(name)
            collection = self.client.create_collection(
                name,
                configuration={"hnsw": {"space": "cosine"}},
                metadata=metadata,
                embedding_function=None,
            )
        return collection

    def _call(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            with self._lock:
                result = fn(*args, **kwargs)
        except Exception as exc:
            self._last_error = f"{what} failed: {exc}"
            raise
        self._last_error = ""
        return result

    def upsert(
        self, ids: Sequence[str], vectors: Sequence[Sequence[float]], metadatas: Sequence[Metadata]
    ) -> None:
        for start in range(0, len(ids), self.batch_size):
            end = start + self.batch_size
            self._call(
                "upsert",
                self.collection.upsert,
                ids=list(ids[start:end]),
                embeddings=[list(v) for v in vectors[start:end]],
                metadatas=[dict(m) for m in metadatas[start:end]],
            )

    def delete(self, ids: Sequence[str]) -> None:
        for start in range(0, len(ids), self.batch_size):
            self._call(
                "delete", self.collection.delete, ids=list(ids[start : start + self.batch_size])
            )

    def query(
        self, vector: Sequence[float], k: int, where: Mapping[str, Any] | None = None
    ) -> list[VectorHit]:
        if k <= 0:
            return []
        found = self._call(
            "query",
            self.collection.query,
            query_embeddings=[list(vector)],
            n_results=k,
            where=dict(where) if where else None,
            include=["distances"],
        )
        ids = found["ids"][0] if found["ids"] else []
        distances = found["distances"][0] if found.get("distances") else [0.0] * len(ids)
        return [VectorHit(i, float(d)) for i, d in zip(ids, distances, strict=True)]

    def ids(self) -> set[str]:
        found: set[str] = set()
        offset = 0
        while True:
            page = self._call("get", self.collection.get, include=[], limit=ID_PAGE, offset=offset)[
                "ids"
            ]
            found.update(page)
            if len(page) < ID_PAGE:
                return found
            offset += ID_PAGE

    def health(self) -> ComponentHealth:
        if self._last_error:
            return ComponentHealth("degraded", self._last_error)
        if self.warning:
            return ComponentHealth("degraded", self.warning)
        return ComponentHealth("ok", f"{self.mode} Chroma at {self.location}")

    def close(self) -> None:
        """Chroma clients hold no handles callers must release; kept for the protocol."""


def open_chroma(
    settings: Settings, data_dir: Path, root: Path, embedder_name: str
) -> ChromaVectorStore:
    """HttpClient when CHROMADB_HOST is set and answers, else embedded in `data_dir/chroma`."""
    import chromadb

    name = collection_name(root)
    warning = ""
    if settings.chromadb_host:
        where = f"{settings.chromadb_host}:{settings.chromadb_port}"
        try:
            client = chromadb.HttpClient(
                host=settings.chromadb_host,
                port=settings.chromadb_port,
                settings=_chroma_settings(),
            )
            client.heartbeat()
            return ChromaVectorStore(
                client, name, mode="http", location=where, embedder_name=embedder_name
            )
        except Exception as exc:
            warning = (
                f"Chroma server at {where} is unreachable ({exc}); "
                "using embedded Chroma in the data dir instead"
            )
            log.warning("%s", warning)
    path = data_dir / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    client = chromadb.PersistentClient(path=str(path), settings=_chroma_settings())
    return ChromaVectorStore(
        client,
        name,
        mode="embedded",
        location=str(path),
        embedder_name=embedder_name,
        warning=warning,
    )
