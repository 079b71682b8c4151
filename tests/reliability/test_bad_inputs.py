"""Bad inputs to the index: each is skipped or handled with a logged reason, nothing crashes,
and the rest of the tree is indexed.

Runs the real `python -m server.indexing.build` on a tree of hostile files. CI runs as root,
which reads chmod-000 files and enters chmod-000 folders, so permission denial is simulated:
the build runs under a small wrapper that makes `Path.read_bytes`/`Path.open` raise
PermissionError for files named `forbidden*` and `os.scandir` raise it for `locked_dir`.
Files are deleted and replaced by a thread while the build reads them.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.reliability.figures import record
from tests.support.rawlsp import ROOT_DIR

WRAPPER = r"""
import os, pathlib, sys
_read_bytes, _open, _scandir = pathlib.Path.read_bytes, pathlib.Path.open, os.scandir
def _denied(path):
    return pathlib.Path(path).name.startswith("forbidden")
def read_bytes(self):
    if _denied(self):
        raise PermissionError(13, "Permission denied", str(self))
    return _read_bytes(self)
def open_(self, *a, **k):
    if _denied(self):
        raise PermissionError(13, "Permission denied", str(self))
    return _open(self, *a, **k)
def scandir(path="."):
    if pathlib.Path(path).name == "locked_dir":
        raise PermissionError(13, "Permission denied", str(path))
    return _scandir(path)
pathlib.Path.read_bytes, pathlib.Path.open, os.scandir = read_bytes, open_, scandir
from server.indexing.build import main
sys.exit(main(sys.argv[1:]))
"""

GOOD = 12


def make_hostile_tree(root: Path) -> None:
    for i in range(GOOD):
        (root / "good").mkdir(parents=True, exist_ok=True)
        (root / "good" / f"module_{i}.py").write_text(
            f"def healthy_function_{i}(value):\n    return value * {i}\n"
        )
    (root / "invalid_utf8.py").write_bytes(b"def broken():\n    return '\xff\xfe\xfd \xc3\x28'\n")
    (root / "latin1.js").write_bytes("const caf\xe9 = 'na\xefve';\n".encode("latin-1"))
    (root / "huge_line.js").write_text("var x = [" + "1," * 450_000 + "1];")  # ~900 KB, 1 line
    (root / "deep_parens.py").write_text("x = " + "(" * 5000 + "1" + ")" * 5000 + "\n")
    (root / "deep_brackets.js").write_text("const a = " + "[" * 5000 + "]" * 5000 + ";\n")
    (root / "deep_blocks.js").write_text("function f() " + "{" * 5000 + "}" * 5000 + "\n")
    (root / "nul_bytes.py").write_bytes(b"x = 1\x00\x00\x00\n")
    (root / "forbidden_secret.py").write_text("def secret():\n    return 42\n")
    (root / "locked_dir").mkdir()
    (root / "locked_dir" / "inside.py").write_text("def locked():\n    return 1\n")
    (root / "loop_a.py").symlink_to(root / "loop_b.py")
    (root / "loop_b.py").symlink_to(root / "loop_a.py")
    (root / "cycle").symlink_to(root, target_is_directory=True)
    (root / "dangling.py").symlink_to(root / "does_not_exist.py")
    (root / "churn").mkdir()
    for i in range(30):
        (root / "churn" / f"churn_{i}.py").write_text(f"def churn_{i}():\n    return {i}\n")


def churn(root: Path, stop: threading.Event) -> int:
    """Delete, recreate and atomically replace files while they are being read."""
    n = 0
    while not stop.is_set():
        for i in range(30):
            path = root / "churn" / f"churn_{i}.py"
            try:
                if n % 3 == 0:
                    path.unlink(missing_ok=True)
                elif n % 3 == 1:
                    tmp = path.with_suffix(".tmp")
                    tmp.write_text(f"def churn_{i}_v{n}():\n    return {n}\n" * (1 + n % 50))
                    os.replace(tmp, path)
                else:
                    path.write_text(f"def churn_{i}():\n    return {n}\n")
            except OSError:
                pass
        n += 1
        time.sleep(0.005)
    return n


def test_hostile_files_are_skipped_or_handled(tmp_path: Path) -> None:
    root, data = tmp_path / "repo", tmp_path / "data"
    make_hostile_tree(root)
    stop = threading.Event()
    churner = threading.Thread(target=churn, args=(root, stop), daemon=True)
    churner.start()
    started = time.monotonic()
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            WRAPPER,
            str(root),
            "--data-dir",
            str(data),
            "--log-level",
            "DEBUG",
            "--batch-size",
            "16",
        ],
        cwd=ROOT_DIR,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False", "AURO_WATCH_FILES": "false"},
    )
    stop.set()
    churner.join(10)
    seconds = time.monotonic() - started
    assert proc.stdout.strip(), proc.stderr[-4000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    log = proc.stderr
    assert "Traceback" not in log, log[-4000:]
    assert proc.returncode == 0, log[-4000:]
    assert result["report"]["ok"] and result["status"]["complete"], result
    db = sqlite3.connect(data / "index.sqlite3")
    indexed = {row[0] for row in db.execute("SELECT path FROM files")}
    db.close()
    for i in range(GOOD):
        assert f"good/module_{i}.py" in indexed
    for handled in (
        "invalid_utf8.py",
        "latin1.js",
        "deep_parens.py",
        "deep_brackets.js",
        "deep_blocks.js",
        "huge_line.js",
    ):
        assert handled in indexed, f"{handled} should be indexed (decoded/chunked safely)"
    assert "forbidden_secret.py" not in indexed and "locked_dir/inside.py" not in indexed
    assert not any(p.startswith("cycle/") for p in indexed), "the symlink loop was not followed"
    reasons = {
        "permission (file)": "forbidden_secret.py",
        "permission (dir)": "locked_dir",
        "symlink loop (file)": "loop_a.py",
        "symlink loop (dir)": "cycle/",
        "dangling symlink": "dangling.py",
    }
    logged = {
        what: any(name in line and "skip" in line for line in log.splitlines())
        for what, name in reasons.items()
    }
    record(
        "bad_inputs",
        {
            "indexed": len(indexed),
            "seconds": round(seconds, 1),
            "skip_reasons_logged": logged,
            "returncode": proc.returncode,
        },
    )
    assert all(logged.values()), (logged, [ln for ln in log.splitlines() if "skip" in ln][:40])
