"""The processes crash tests run beside the server: the fake LLM as its own process, and the
index consistency check (`python -m server.indexing.build ROOT --data-dir D --check`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support.rawlsp import ROOT_DIR


class FakeLLMProcess:
    """`python -m tests.fakes.openai_server`, with a per-delta delay."""

    def __init__(
        self,
        delay: float = 0.02,
        reply: str = "A complete answer from the fake model, in pieces.",
    ) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.fakes.openai_server",
                "--port",
                "0",
                "--delay",
                str(delay),
                "--reply",
                reply,
            ],
            cwd=ROOT_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert line.startswith("READY "), line
        self.url = line.split()[1]

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def check_index(root: Path, data_dir: Path) -> dict:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "server.indexing.build",
            str(root),
            "--data-dir",
            str(data_dir),
            "--check",
        ],
        cwd=ROOT_DIR,
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False", "AURO_WATCH_FILES": "false"},
    )
    assert out.stdout.strip(), out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])
