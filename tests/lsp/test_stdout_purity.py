"""In LSP mode stdout carries JSON-RPC and nothing else."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.support.lsp_harness import server_env


def frame(message: dict) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


def parse_frames(data: bytes) -> list[dict]:
    """Parse stdout strictly as LSP base-protocol frames; raise on any stray byte."""
    messages = []
    while data:
        header, sep, rest = data.partition(b"\r\n\r\n")
        assert sep, f"stray bytes on stdout: {data[:80]!r}"
        fields = dict(line.split(b": ", 1) for line in header.split(b"\r\n"))
        length = int(fields[b"Content-Length"])
        body, data = rest[:length], rest[length:]
        messages.append(json.loads(body))
    return messages


def test_full_session_writes_only_json_rpc(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    (root / "main.py").write_text("def main():\n    print('hello')\n")
    requests = [
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "processId": None,
                "capabilities": {},
                "rootUri": root.as_uri(),
                "initializationOptions": {"chunkSize": "invalid"},
            },
        },
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        {"jsonrpc": "2.0", "id": 2, "method": "no/suchMethod", "params": {}},
        {"jsonrpc": "2.0", "id": 3, "method": "shutdown"},
        {"jsonrpc": "2.0", "method": "exit"},
    ]
    env = server_env(tmp_path / "data", LOG_LEVEL="DEBUG")
    proc = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "lsp"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    # initialize first and wait for its answer, as a client does; then the rest at once
    proc.stdin.write(frame(requests[0]))
    proc.stdin.flush()
    header = b""
    while not header.endswith(b"\r\n\r\n"):
        header += proc.stdout.readline()
    length = int(header.split(b"Content-Length: ")[1].split(b"\r")[0])
    first = header + proc.stdout.read(length)
    stdout, stderr = proc.communicate(b"".join(frame(r) for r in requests[1:]), timeout=60)
    messages = parse_frames(first + stdout)
    assert proc.returncode == 0, stderr.decode()[-2000:]
    by_id = {m.get("id"): m for m in messages if "id" in m}
    assert by_id[1]["result"]["serverInfo"]["name"] == "auro-pai"
    assert by_id[2]["error"]["code"] == -32601  # method not found
    assert b"DEBUG" in stderr  # logs went to stderr


def test_stray_writes_are_diverted_to_stderr():
    code = (
        "import os, sys\n"
        "from server.logs import protect_stdout\n"
        "rpc = protect_stdout()\n"
        "print('stray print')\n"
        "os.write(1, b'stray fd write\\n')\n"
        "rpc.write(b'RPC')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=30)
    assert proc.stdout == b"RPC"
    assert b"stray print" in proc.stderr and b"stray fd write" in proc.stderr


def test_tcp_transport_answers_initialize(tmp_path):
    """`auro-pai lsp --tcp`: the same server on a loopback socket."""
    import socket
    import time

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "lsp", "--tcp", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=server_env(tmp_path / "data"),
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
            conn.sendall(
                frame(
                    {
                        "jsonrpc": "2.0",
                        "id": 1,
                        "method": "initialize",
                        "params": {"processId": None, "capabilities": {}},
                    }
                )
            )
            data = b""
            while b"serverInfo" not in data:
                chunk = conn.recv(65536)
                assert chunk, "connection closed"
                data += chunk
        assert b'"name": "auro-pai"' in data or b'"name":"auro-pai"' in data
    finally:
        proc.kill()
        proc.wait(timeout=30)
