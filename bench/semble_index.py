"""Cold indexes of the development repositories, cached so that a ranking-only change can be
re-scored in seconds.

Each repository is indexed by the real CLI (`auro-pai index <root> --json`, as a user would)
into a data dir keyed by a fingerprint of everything that shapes the index: the indexing
settings and the source of the indexing code, minus the modules that only rank results. A
record beside the index says which revision it holds and what the cold run cost; a changed
revision or fingerprint, a missing record or `--reindex` builds it again from nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from server.config import Settings
from server.paths import workspace_data_path

REPO = Path(__file__).resolve().parents[1]
INDEXING = REPO / "server" / "indexing"
# Read only at search time: changing them leaves the index as it was.
RANKING_ONLY = {
    "search.py",
    "rerank.py",
    "rerank_model.json",
    "result_merge.py",
    "diversity.py",
    "path_priors.py",
    "query_shape.py",
    "definitions.py",
    "search_priors.py",
}
INDEX_SETTINGS = ("embedding_model", "embedding_backend", "chunk_size", "max_file_bytes")
EXTRA_SOURCES = ("server/workspace_files.py", "server/secret_rules.py")


@dataclass
class IndexRecord:
    repo: str
    revision: str
    fingerprint: str
    files: int
    chunks: int
    index_s: float  # wall time of the `auro-pai index` process, start and model load included
    complete: bool
    warnings: list[str]
    cached: bool = False


def fingerprint(settings: Settings) -> str:
    digest = hashlib.sha256()
    chosen = {name: getattr(settings, name) for name in INDEX_SETTINGS}
    chosen["ignore_globs"] = list(settings.ignore_globs)
    digest.update(json.dumps(chosen, sort_keys=True, default=str).encode())
    sources = [
        p for p in sorted(INDEXING.rglob("*")) if p.is_file() and p.suffix in {".py", ".json"}
    ]
    sources = [p for p in sources if p.name not in RANKING_ONLY and "__pycache__" not in p.parts]
    for path in [*sources, *(REPO / s for s in EXTRA_SOURCES)]:
        digest.update(str(path.relative_to(REPO)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def data_dir(cache: Path, settings: Settings) -> Path:
    """The data dir for this fingerprint; ONNX exports are shared by every fingerprint."""
    folder = cache / fingerprint(settings)
    folder.mkdir(parents=True, exist_ok=True)
    models = cache / "models"
    models.mkdir(exist_ok=True)
    link = folder / "models"
    if not link.exists():
        link.symlink_to(models, target_is_directory=True)
    return folder


def ensure_index(
    repo: str, revision: str, root: Path, settings: Settings, cache: Path, reindex: bool
) -> IndexRecord:
    """The cached index of `root` at `revision`, built cold by the CLI when needed."""
    data = data_dir(cache, settings)
    record_file = data / f"bench-{repo}.json"
    scoped = settings.model_copy(update={"data_dir": data})
    if not reindex and record_file.is_file():
        record = IndexRecord(**json.loads(record_file.read_text()))
        if record.revision == revision and record.complete:
            record.cached = True
            return record
    shutil.rmtree(workspace_data_path(scoped, root), ignore_errors=True)
    env = {**os.environ, "AURO_DATA_DIR": str(data), "AURO_WATCH_FILES": "false"}
    out = subprocess.run(
        [sys.executable, "-m", "server.cli", "index", str(root), "--json"],
        capture_output=True,
        text=True,
        env=env,
    )
    lines = out.stdout.strip().splitlines()
    if not lines:
        raise RuntimeError(f"indexing {repo} failed (exit {out.returncode}): {out.stderr[-2000:]}")
    status = json.loads(lines[-1])
    record = IndexRecord(
        repo,
        revision,
        data.name,
        int(status.get("files_total", 0)),
        int(status.get("chunks", 0)),
        float(status.get("seconds", 0.0)),
        bool(status.get("complete")) and out.returncode == 0,
        list(status.get("warnings", [])),
    )
    record_file.write_text(json.dumps(asdict(record)))
    return record
