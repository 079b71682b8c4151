"""Index load figures (issue #20; docs/reliability.md, "Index load"):

- cold: `auro-pai index` on N small files (default 20,000) into a fresh index, the model
  already exported (a warm-up run on a tiny tree does that): seconds and peak RSS;
- warm: the same command again, nothing changed;
- churn: a fresh index of a fresh copy of the tree while a thread deletes D files and renames
  R others (default 1,000 each), spread over the run: does the one run end with the disk's
  file set, and is the index consistent (`python -m server.indexing.build --check`)?

    python -m bench.index_load [--files 20000] [--deletes 1000] [--renames 1000]
                               [--phases cold,warm,churn] [--work DIR]

Every run is its own `python -m server.cli index` process, so peak RSS is that process's
own (`os.wait4`). Prints one JSON line per phase. Files are small (4-15 lines), in folders
of 200, Python, JavaScript and Markdown, every one different (no vector-cache hits).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from server.config import load_settings
from server.paths import workspace_data_dir

PER_FOLDER = 200
WORDS = "parse load store fetch render merge split count index cache score rank token".split()


def _python(rng: random.Random, n: int) -> str:
    parts = []
    for k in range(rng.randint(1, 3)):
        verb, noun = rng.choice(WORDS), rng.choice(WORDS)
        parts.append(
            f"def {verb}_{noun}_{n}_{k}(items, limit={rng.randint(1, 99)}):\n"
            f'    """{verb.title()} the {noun} of file {n}, part {k}."""\n'
            f"    kept = [item for item in items if item % {rng.randint(2, 9)}]\n"
            f"    return kept[:limit]\n"
        )
    return "\n\n".join(parts)


def _javascript(rng: random.Random, n: int) -> str:
    parts = []
    for k in range(rng.randint(1, 3)):
        verb, noun = rng.choice(WORDS), rng.choice(WORDS)
        parts.append(
            f"export function {verb}{noun.title()}{n}x{k}(items) {{\n"
            f"  // {verb} every {noun} of module {n}\n"
            f"  return items.filter((item) => item % {rng.randint(2, 9)}).slice(0, {k + 3});\n"
            f"}}\n"
        )
    return "\n".join(parts)


def _markdown(rng: random.Random, n: int) -> str:
    sections = [f"# Note {n}\n"]
    for k in range(rng.randint(1, 2)):
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 40)))
        sections.append(f"## Section {k}\n\n{words}.\n")
    return "\n".join(sections)


def make_tree(root: Path, files: int, seed: int = 20) -> list[Path]:
    rng = random.Random(seed)
    writers = ((".py", _python), (".js", _javascript), (".md", _markdown))
    made = []
    for n in range(files):
        folder = root / f"pkg_{n // PER_FOLDER:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        suffix, write = writers[0] if n % 5 < 3 else writers[1] if n % 5 == 3 else writers[2]
        path = folder / f"file_{n:05d}{suffix}"
        path.write_text(write(rng, n))
        made.append(path)
    return made


def _env(data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AURO_")}
    env.update(AURO_DATA_DIR=str(data), AURO_WATCH_FILES="false", ANONYMIZED_TELEMETRY="False")
    return env


def index_run(root: Path, data: Path) -> dict:
    """One `auro-pai index --json` process: its result, wall seconds and peak RSS."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "index", "--json", str(root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(data),
    )
    out: list[bytes] = []
    err: list[bytes] = []
    readers = [
        threading.Thread(target=lambda: out.append(proc.stdout.read())),  # type: ignore[union-attr]
        threading.Thread(target=lambda: err.append(proc.stderr.read())),  # type: ignore[union-attr]
    ]
    for reader in readers:
        reader.start()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    for reader in readers:
        reader.join()
    lines = b"".join(out).decode().strip().splitlines()
    result = json.loads(lines[-1]) if lines else {}
    return {
        "exit": proc.returncode,
        "seconds": round(seconds, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024),
        "files": result.get("files_total"),
        "chunks": result.get("chunks"),
        "complete": result.get("complete"),
        "error": result.get("error"),
        "stderr_tail": b"".join(err).decode(errors="replace")[-400:] if proc.returncode else "",
    }


def catalog_files(root: Path, data: Path) -> set[str]:
    settings, _ = load_settings(env=_env(data), files=[])
    db = sqlite3.connect(workspace_data_dir(settings, root) / "index.sqlite3")
    try:
        return {row[0] for row in db.execute("SELECT path FROM files")}
    finally:
        db.close()


def consistency(root: Path, data: Path) -> dict:
    settings, _ = load_settings(env=_env(data), files=[])
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "server.indexing.build",
            str(root),
            "--check",
            "--data-dir",
            str(workspace_data_dir(settings, root)),
        ],
        capture_output=True,
        text=True,
        env=_env(data),
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


class Churn(threading.Thread):
    """Once the index has its first files, deletes and renames files over `seconds`."""

    def __init__(
        self, root: Path, data: Path, files: list[Path], deletes: int, renames: int, seconds: float
    ):
        super().__init__(daemon=True)
        picked = random.Random(7).sample(files, deletes + renames)
        self.root, self.data, self.seconds = root, data, seconds
        self.ops = [("delete", p) for p in picked[:deletes]]
        self.ops += [("rename", p) for p in picked[deletes:]]
        random.Random(8).shuffle(self.ops)
        self.started_at = self.ended_at = 0.0

    def run(self) -> None:
        db = self._wait_for_index()
        if db is None:
            return
        self.started_at = time.perf_counter()
        pause = self.seconds / max(1, len(self.ops))
        for op, path in self.ops:
            if op == "delete":
                path.unlink()
            else:
                path.rename(path.with_name("moved_" + path.name))
            time.sleep(pause)
        self.ended_at = time.perf_counter()

    def _wait_for_index(self) -> Path | None:
        settings, _ = load_settings(env=_env(self.data), files=[])
        db = workspace_data_dir(settings, self.root) / "index.sqlite3"
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            try:
                with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
                    if conn.execute("SELECT count(*) FROM files").fetchone()[0] >= 100:
                        return db
            except sqlite3.Error:
                pass
            time.sleep(0.2)
        return None


def churn_run(root: Path, data: Path, files: list[Path], args: argparse.Namespace) -> dict:
    churn = Churn(root, data, files, args.deletes, args.renames, args.churn_seconds)
    started = time.perf_counter()
    churn.start()
    run = index_run(root, data)
    churn.join()
    on_disk = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    indexed = catalog_files(root, data)
    report = consistency(root, data)
    return {
        **run,
        "deletes": args.deletes,
        "renames": args.renames,
        "churn_from_s": round(churn.started_at - started, 1) if churn.started_at else None,
        "churn_to_s": round(churn.ended_at - started, 1) if churn.ended_at else None,
        "on_disk": len(on_disk),
        "indexed": len(indexed),
        "missing": len(on_disk - indexed),
        "stale": len(indexed - on_disk),
        "consistent_after_one_run": on_disk == indexed and report["ok"],
        "consistency_problems": report["problems"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.index_load")
    parser.add_argument("--files", type=int, default=20_000)
    parser.add_argument("--deletes", type=int, default=1_000)
    parser.add_argument("--renames", type=int, default=1_000)
    parser.add_argument("--churn-seconds", type=float, default=60.0)
    parser.add_argument("--phases", default="cold,warm,churn")
    parser.add_argument("--work", type=Path, help="keep trees and data here (default: a tmp dir)")
    args = parser.parse_args()
    phases = set(args.phases.split(","))
    work = args.work or Path(tempfile.mkdtemp(prefix="auro-index-load-"))
    data = work / "data"
    print(json.dumps({"machine": {"cpus": os.cpu_count(), "load": os.getloadavg()}}))
    try:
        warm_up = work / "warm-up"
        make_tree(warm_up, 5)
        index_run(warm_up, data)  # model load and ONNX export, excluded from the figures
        if phases & {"cold", "warm"}:
            tree = work / "tree"
            make_tree(tree, args.files)
            if "cold" in phases:
                print(json.dumps({"phase": "cold", **index_run(tree, data)}), flush=True)
            if "warm" in phases:
                print(json.dumps({"phase": "warm", **index_run(tree, data)}), flush=True)
        if "churn" in phases:
            tree = work / "churn-tree"
            files = make_tree(tree, args.files)
            print(json.dumps({"phase": "churn", **churn_run(tree, data, files, args)}), flush=True)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
