"""`auro-pai index`: the progress on stderr (plain lines, or a live bar on a terminal),
nothing else on stderr while it runs, and every skipped file counted and listed with why."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from tests.support.lsp_harness import server_env
from tests.support.sample_code import CALC, GEOMETRY


def workspace(root: Path) -> Path:
    """Two files to index and one of each kind of skip."""
    (root / "pkg").mkdir(parents=True)
    (root / "calc.py").write_text(CALC)
    (root / "pkg" / "geometry.py").write_text(GEOMETRY)
    (root / ".env").write_text("OPENAI_API_KEY=sk-not-a-real-key-0123456789abcdef\n")
    (root / "blob.py").write_bytes(b"\x00\x01binary" * 100)
    (root / "huge.py").write_text("x = 1\n" * 2000)  # over the 4 KB cap set below
    (root / ".gitignore").write_text("generated.py\n")
    (root / "generated.py").write_text("y = 2\n")
    (root / "node_modules").mkdir()
    (root / "node_modules" / "dep.js").write_text("module.exports = 1;\n")
    return root


def run_index(root: Path, data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server.cli", "index", str(root), *args],
        capture_output=True,
        text=True,
        env=server_env(data, LOG_LEVEL="WARNING", AURO_MAX_FILE_BYTES="4096"),
        timeout=600,
    )


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory):
    """`index --json` run once, stderr not a terminal: (root, data dir, result)."""
    base = tmp_path_factory.mktemp("index")
    root = workspace(base / "repo")
    result = run_index(root, base / "data", "--json")
    return root, base / "data", result


def test_json_lists_every_skipped_file_with_its_reason(indexed):
    _, _, result = indexed
    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith("}\n")
    document = json.loads(result.stdout)
    assert document["complete"] and document["files_total"] == 3  # .gitignore is text too
    skipped = document["skipped"]
    listed = {(s["path"], s["reason"]) for s in skipped["files"]}
    assert listed == {
        (".env", "secret"),
        ("blob.py", "binary"),
        ("huge.py", "too large"),
        ("generated.py", "ignored"),
        ("node_modules/", "ignored"),
    }
    assert skipped["count"] == 5
    assert skipped["by_reason"] == {"secret": 1, "binary": 1, "too large": 1, "ignored": 2}
    details = {s["path"]: s["detail"] for s in skipped["files"]}
    assert "AURO_MAX_FILE_BYTES=4096" in details["huge.py"]
    assert details["generated.py"] == "ignore file in /"
    assert document["progress"]["phase"] == "done"


def test_stderr_not_a_terminal_gets_plain_progress_lines_and_nothing_else(indexed):
    _, _, result = indexed
    lines = result.stderr.splitlines()
    assert lines, "progress is shown"
    assert all(line.startswith("auro-pai: ") for line in lines), result.stderr
    shown = "\n".join(lines)
    for phase in ("opening the index", "keyword pass: ", "embedding: "):
        assert phase in shown, shown
    assert "loading model" in shown  # the first start says the model is being loaded
    assert "Loading weights" not in shown and "\r" not in result.stderr


def test_a_terminal_gets_a_bar_per_phase_and_the_summary_counts_skips(indexed, tmp_path):
    _, data, _ = indexed
    root = workspace(tmp_path / "other")
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 120, 0, 0))
    env = server_env(data, LOG_LEVEL="WARNING", AURO_MAX_FILE_BYTES="4096")
    command = [sys.executable, "-m", "server.cli", "index", str(root)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=follower, env=env)
    os.close(follower)
    screen = b""
    while True:  # read as it comes: a full terminal buffer would stop the command
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the command closed the terminal
            break
        if not chunk:
            break
        screen += chunk
    os.close(leader)
    out, _ = process.communicate(timeout=600)
    stdout = out.decode()
    text = screen.decode(errors="replace")
    assert process.returncode == 0, text
    for phase in ("keyword pass", "embedding"):
        assert phase in text, text
    assert "━" in text and "✓" in text  # bars, and a tick on each finished phase
    assert "Loading weights" not in text and "Traceback" not in text
    assert stdout.startswith("indexed 3 files")
    assert "skipped 5 (files or folders): 1 binary, 2 ignored, 1 secret, 1 too large" in stdout
    assert "  huge.py  too large: " in stdout
