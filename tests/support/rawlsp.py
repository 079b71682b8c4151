"""The real `auro-pai lsp` over raw pipes, with hand-made Content-Length frames.

pytest-lsp's client only sends well-formed messages; fuzzing needs broken frames, bad JSON
and out-of-order lifecycle messages, so this speaks the base protocol by hand.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from tests.support.lsp_harness import server_env

ROOT_DIR = Path(__file__).resolve().parents[2]
SERVER = [sys.executable, "-m", "server.cli", "lsp"]


def frame(body: bytes | str | dict) -> bytes:
    if isinstance(body, dict):
        body = json.dumps(body)
    if isinstance(body, str):
        body = body.encode()
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


class RawServer:
    """One server process; a thread parses stdout frames into a queue of messages."""

    def __init__(self, data_dir: Path, **env: str) -> None:
        self.stderr_path = data_dir.parent / f"lsp-stderr-{os.getpid()}-{time.monotonic_ns()}.log"
        data_dir.mkdir(parents=True, exist_ok=True)
        self._stderr = open(self.stderr_path, "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            SERVER,
            cwd=ROOT_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=server_env(data_dir, **{"AURO_HTTP_ENABLED": "false", **env}),
        )
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self.responses: dict[Any, dict[str, Any]] = {}
        self.notifications: list[dict[str, Any]] = []
        self.null_id_errors: list[dict[str, Any]] = []  # answers to messages without an id
        self.stray: list[bytes] = []
        self._cond = threading.Condition()
        self._next_id = 1_000_000
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    # -- reading --------------------------------------------------------------------------
    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            headers: dict[bytes, bytes] = {}
            while True:
                line = out.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                if b":" not in line:
                    self.stray.append(line)
                    continue
                key, _, value = line.partition(b":")
                headers[key.strip().lower()] = value.strip()
            length = int(headers.get(b"content-length", b"0"))
            body = out.read(length)
            if len(body) < length:
                return
            message = json.loads(body)
            with self._cond:
                if "method" in message:
                    self.notifications.append(message)
                    if "id" in message:  # a server->client request: answer it with null
                        self._send_now(
                            frame({"jsonrpc": "2.0", "id": message["id"], "result": None})
                        )
                else:
                    if message.get("id") is None:
                        self.null_id_errors.append(message)
                    self.responses[message.get("id")] = message
                    self.messages.put(message)
                self._cond.notify_all()

    # -- writing --------------------------------------------------------------------------
    def _send_now(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass

    def send(self, data: bytes) -> None:
        with self._cond:
            self._send_now(data)

    def new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def wait_response(self, msg_id: Any, timeout: float = 10.0) -> dict[str, Any] | None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while msg_id not in self.responses:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not self.alive():
                    return self.responses.get(msg_id)
                self._cond.wait(min(remaining, 0.2))
            return self.responses[msg_id]

    def request(
        self, method: str, params: Any = None, timeout: float = 10.0, **extra: Any
    ) -> dict[str, Any] | None:
        msg_id = self.new_id()
        message = {"jsonrpc": "2.0", "id": msg_id, "method": method, **extra}
        if params is not None:
            message["params"] = params
        self.send(frame(message))
        return self.wait_response(msg_id, timeout)

    def notify(self, method: str, params: Any = None) -> None:
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        self.send(frame(message))

    def initialize(self, root: Path | None = None) -> dict[str, Any] | None:
        params: dict[str, Any] = {"processId": None, "capabilities": {}}
        if root is not None:
            params["rootUri"] = root.as_uri()
        answer = self.request("initialize", params, timeout=60)
        self.notify("initialized", {})
        return answer

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stderr_tail(self, chars: int = 3000) -> str:
        if not self._stderr.closed:
            self._stderr.flush()
        return self.stderr_path.read_text(errors="replace")[-chars:]

    def close(self, timeout: float = 15.0) -> int | None:
        if self.alive():
            self.send(frame({"jsonrpc": "2.0", "id": self.new_id(), "method": "shutdown"}))
            self.send(frame({"jsonrpc": "2.0", "method": "exit"}))
            try:
                self.proc.stdin.close()  # type: ignore[union-attr]
            except OSError:
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._reader.join(timeout=5)
        self._stderr.close()
        return self.proc.returncode

    def kill(self) -> None:
        if self.alive():
            self.proc.kill()
        self.proc.wait(10)
        self._reader.join(timeout=5)
        self._stderr.close()
