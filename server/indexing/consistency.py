"""Checks the index invariants; used by tests, the crash test and `doctor`-style reports.

Ids named in the intent log are in an unknown state by design (a write was in flight when
the process died) and are left out of the vector comparison; startup recovery settles them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from server.indexing.catalog import Catalog
from server.indexing.vector_store import VectorStore


@dataclass
class ConsistencyReport:
    problems: list[str] = field(default_factory=list)
    files: int = 0
    chunks: int = 0
    vectors: int = 0
    pending_intents: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "problems": self.problems,
            "files": self.files,
            "chunks": self.chunks,
            "vectors": self.vectors,
            "pending_intents": self.pending_intents,
        }


def _sample(ids: set[str] | list[str]) -> str:
    listed = sorted(ids)
    return ", ".join(listed[:5]) + (" ..." if len(listed) > 5 else "")


def consistency_report(catalog: Catalog, store: VectorStore | None) -> ConsistencyReport:
    report = ConsistencyReport()
    catalog_ids = catalog.catalog_chunk_ids()
    chunk_paths = catalog.chunk_paths()
    report.files, report.chunks = len(catalog_ids), len(chunk_paths)

    listed = Counter(cid for ids in catalog_ids.values() for cid in ids)
    duplicated = {cid for cid, n in listed.items() if n > 1}
    if duplicated:
        report.problems.append(f"chunk ids listed twice in the catalog: {_sample(duplicated)}")
    for path, ids in catalog_ids.items():
        rows = {cid for cid, owner in chunk_paths.items() if owner == path}
        if set(ids) != rows:
            report.problems.append(f"{path}: catalog chunk ids differ from chunk rows")
    orphan_rows = {cid for cid, path in chunk_paths.items() if path not in catalog_ids}
    if orphan_rows:
        report.problems.append(f"chunk rows without a catalog file: {_sample(orphan_rows)}")
    fts, rows = catalog.fts_rows()
    if fts != rows:
        report.problems.append(f"keyword index has {fts} rows for {rows} chunks")

    in_memory, counted = catalog.db.counts_check()
    if in_memory != counted:
        report.problems.append(f"status counts {in_memory} differ from the catalog's {counted}")

    embedded = catalog.vectors.embedded_ids()
    for path, state in ((p, r.state) for p, r in catalog.files().items()):
        if state == "embedded" and any(cid not in embedded for cid in catalog_ids.get(path, [])):
            report.problems.append(f"{path}: marked embedded but some chunks have no vector")

    intents = set(catalog.vectors.intents())
    report.pending_intents = len(intents)
    if store is not None:
        vectors = store.ids()
        report.vectors = len(vectors)
        orphans = vectors - embedded - intents
        if orphans:
            report.problems.append(f"{len(orphans)} vectors without an embedded chunk")
        missing = embedded - vectors - intents
        if missing:
            report.problems.append(f"{len(missing)} embedded chunks without a vector")
    return report
