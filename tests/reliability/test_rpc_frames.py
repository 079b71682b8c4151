"""Malformed frame headers (issue #20 item 6): no header leaves the server deaf.

Lenient variants (lower case, padded value, LF-only lines) are read as the frames they
are; a header block without a usable length is answered -32700 (id null) and skipped, and
the request after it is answered. In-process tests of the reader cover the edge cases; the
end-to-end test speaks to the real `auro-pai lsp` over raw pipes.
"""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from server.lsp.rpc_frames import BadFrame, FrameReader
from tests.lsp_harness import server_env
from tests.reliability.rawlsp import ROOT_DIR, SERVER, RawServer, frame


class Chunks:
    """An async reader over fixed bytes with a line bound, like BoundedStdin in a thread."""

    def __init__(self, data: bytes, line_limit: int = 1 << 16) -> None:
        self.data = data
        self.limit = line_limit

    async def readline(self) -> bytes:
        end = self.data.find(b"\n")
        cut = len(self.data) if end < 0 else end + 1
        cut = min(cut, self.limit)
        line, self.data = self.data[:cut], self.data[cut:]
        return line

    async def readexactly(self, n: int) -> bytes:
        body, self.data = self.data[:n], self.data[n:]
        return body


def read_all(data: bytes, line_limit: int = 1 << 16) -> list[bytes | BadFrame]:
    async def run() -> list[bytes | BadFrame]:
        frames = FrameReader(Chunks(data, line_limit))
        out: list[bytes | BadFrame] = []
        while (item := await frames.next()) is not None:
            out.append(item)
        return out

    return asyncio.run(run())


GOOD = b'{"n":1}'
NEXT = b"Content-Length: 7\r\n\r\n" + GOOD


@pytest.mark.parametrize(
    "head",
    [
        b"content-length: 7\r\n\r\n",
        b"CONTENT-LENGTH:7\r\n\r\n",
        b"Content-Length:   7   \r\n\r\n",
        b"  Content-Length :\t7\r\n\r\n",
        b"Content-Length: 7\n\n",
        b"Content-Length: 7\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n",
        b"\r\n\r\nContent-Length: 7\r\n\r\n",
    ],
)
def test_lenient_headers_are_read(head: bytes) -> None:
    assert read_all(head + GOOD + NEXT) == [GOOD, GOOD]


@pytest.mark.parametrize(
    ("head", "reason"),
    [
        (b"Content-Type: application/vscode-jsonrpc\r\n\r\n", "no Content-Length"),
        (b"Content-Length: abc\r\n\r\n", "invalid Content-Length"),
        (b"Content-Length: -7\r\n\r\n", "invalid Content-Length"),
        (b"Content-Length:\r\n\r\n", "invalid Content-Length"),
        (b"Content-Length: " + b"9" * 5000 + b"\r\n\r\n", "invalid Content-Length"),
    ],
)
def test_unusable_frames_are_dropped_and_the_next_is_read(head: bytes, reason: str) -> None:
    items = read_all(head + b'{"dropped": true}' + NEXT)
    assert isinstance(items[0], BadFrame) and reason in items[0].reason
    assert items[1:] == [GOOD]


def test_a_body_without_any_header_is_skipped() -> None:
    assert read_all(b'{"stray": 1}' + NEXT) == [GOOD]


def test_a_header_cut_by_the_line_bound_still_matches() -> None:
    """A dropped body longer than the line bound: the next header may straddle two reads."""
    for pad in range(1, 40):
        junk = b"Content-Type: x\r\n\r\n" + b"x" * (64 * 3 + pad)
        items = read_all(junk + NEXT, line_limit=64)
        assert items[-1] == GOOD and isinstance(items[0], BadFrame), pad


def test_zero_length_and_eof_mid_body() -> None:
    assert read_all(b"Content-Length: 0\r\n\r\n" + NEXT) == [b"", GOOD]
    assert read_all(b"Content-Length: 50\r\n\r\n" + GOOD) == [GOOD]  # short read at EOF
    assert read_all(b"Content-Length: 7\r\n") == []


def request(msg_id: int, method: str = "auro/usage") -> bytes:
    return json.dumps({"jsonrpc": "2.0", "id": msg_id, "method": method}).encode()


VARIANTS: dict[str, tuple[bytes, bool]] = {
    # name: (header block, whether the frame itself is now read and answered)
    "lower case": (b"content-length: %d\r\n\r\n", True),
    "padded value": (b"Content-Length:   %d   \r\n\r\n", True),
    "LF-only lines": (b"Content-Length: %d\n\n", True),
    "missing length": (b"Content-Type: application/vscode-jsonrpc\r\n\r\n", False),
    "non-numeric length": (b"Content-Length: twelve\r\n\r\n", False),
    "negative length": (b"Content-Length: -1\r\n\r\n", False),
}


def test_server_answers_after_every_malformed_header(tmp_path: Path) -> None:
    srv = RawServer(tmp_path / "data")
    try:
        assert srv.initialize() is not None, srv.stderr_tail()
        for name, (head, readable) in VARIANTS.items():
            broken_id, next_id = srv.new_id(), srv.new_id()
            body = request(broken_id)
            errors_before = len(srv.null_id_errors)
            srv.send((head % len(body) if b"%d" in head else head) + body)
            srv.send(frame(request(next_id).decode()))
            answer = srv.wait_response(next_id, 15)
            assert answer is not None and "result" in answer, (name, srv.stderr_tail())
            if readable:
                assert "result" in (srv.wait_response(broken_id, 5) or {}), name
            else:
                assert broken_id not in srv.responses, name
                assert len(srv.null_id_errors) > errors_before, name
                assert srv.null_id_errors[-1]["error"]["code"] == -32700, name
        assert srv.alive()
    finally:
        assert srv.close() == 0


def read_frames(conn: socket.socket, until_id: int, timeout: float = 30) -> list[dict[str, Any]]:
    """Messages from a TCP connection until the answer to `until_id`."""
    conn.settimeout(timeout)
    data, messages = b"", []
    while not any(m.get("id") == until_id and "method" not in m for m in messages):
        chunk = conn.recv(65536)
        assert chunk, f"connection closed; got {messages}"
        data += chunk
        while (end := data.find(b"\r\n\r\n")) >= 0:
            headers = dict(line.split(b":", 1) for line in data[:end].split(b"\r\n"))
            length = int(headers[b"Content-Length"])
            if len(data) < end + 4 + length:
                break
            messages.append(json.loads(data[end + 4 : end + 4 + length]))
            data = data[end + 4 + length :]
    return messages


def test_tcp_reads_the_same_way_and_a_disconnect_leaves_at_once(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(
        [*SERVER, "--tcp", "--port", str(port)],
        cwd=ROOT_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=server_env(tmp_path / "data", AURO_HTTP_ENABLED="false"),
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = socket.create_connection(("127.0.0.1", port), timeout=30)
                break
            except OSError:
                assert time.monotonic() < deadline, "TCP server did not start"
                time.sleep(0.2)
        with conn:
            init = {"processId": None, "capabilities": {}}
            conn.sendall(frame({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": init}))
            read_frames(conn, 1)
            body = request(2)
            conn.sendall(b"content-length:  %d \n\n" % len(body) + body)
            assert "result" in read_frames(conn, 2)[-1]
            conn.sendall(b"Content-Length: x\r\n\r\n" + request(3) + frame(request(4).decode()))
            answers = read_frames(conn, 4)
            assert [m["error"]["code"] for m in answers if m.get("id") is None] == [-32700]
            assert all(m.get("id") != 3 for m in answers) and "result" in answers[-1]
            started = time.monotonic()
        proc.wait(30)
        assert time.monotonic() - started < 1.0
        assert proc.returncode == 1  # no shutdown before the disconnect
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
