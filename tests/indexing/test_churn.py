"""Files deleted and renamed while the index is built: one run ends with the disk's file set.

Without a watcher (the CLI), a rename during the scan left the new name out and a delete
during embedding left the old file in; a second run was needed to reconcile. The churn
here happens at two fixed moments: right after the scan's walk (first progress report) and
when the model gets its first batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from server.config import Settings
from server.indexing.embedder import Embedder
from server.indexing.indexer import WorkspaceIndex
from server.indexing.progress import ProgressEvent
from tests.indexing.counting_embedder import CountingEmbedder

TIMEOUT = 300
FILES = 200


def make_tree(root: Path) -> None:
    (root / "src").mkdir(parents=True)
    for i in range(FILES):
        (root / "src" / f"module_{i}.py").write_text(
            f"def compute_{i}(value):\n    return value * {i} + {i % 7}\n"
        )


def churn(root: Path, deletes: range, renames: range) -> None:
    """Delete some files and move others to new names."""
    (root / "moved").mkdir(exist_ok=True)
    for i in deletes:
        (root / "src" / f"module_{i}.py").unlink()
    for i in renames:
        (root / "src" / f"module_{i}.py").rename(root / "moved" / f"renamed_{i}.py")


class ChurnOnFirstBatch(CountingEmbedder):
    """The real model; its first batch (in the embedding thread) churns the tree first."""

    def __init__(self, inner: Embedder, root: Path) -> None:
        super().__init__(inner)  # type: ignore[arg-type]
        self.root = root
        self.churned = False

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if not self.churned:
            self.churned = True
            churn(self.root, range(50, 75), range(75, 100))
        return super().embed(texts)


async def test_deletes_and_renames_during_indexing_converge_in_one_run(
    tmp_path: Path, settings: Settings, embedder: CountingEmbedder
) -> None:
    root = tmp_path / "repo"
    make_tree(root)
    model = ChurnOnFirstBatch(embedder.inner, root)
    churned_while_scanning: list[bool] = []

    def on_event(event: ProgressEvent) -> None:
        if (
            event.kind == "report"
            and event.status.phase == "keyword"
            and not churned_while_scanning
        ):
            churned_while_scanning.append(True)
            churn(root, range(0, 25), range(25, 50))

    index = await WorkspaceIndex.open(
        root, settings.data_dir, settings, model, batch_size=32, listeners=[on_event]
    )
    try:
        status = await index.wait_until_complete(TIMEOUT)
        assert churned_while_scanning and model.churned
        on_disk = {path.relative_to(root).as_posix() for path in root.rglob("*.py")}
        assert len(on_disk) == FILES - 50
        assert set(index.catalog.files()) == on_disk
        assert status.complete and status.files_embedded == FILES - 50
        assert (await index.consistency_report()).ok
        defined = {s.name: s.path for s in index.symbols("compute_", limit=1000)}
        assert defined["compute_30"] == "moved/renamed_30.py"
        assert defined["compute_80"] == "moved/renamed_80.py"
        assert "compute_10" not in defined and "compute_60" not in defined
    finally:
        await index.close()
