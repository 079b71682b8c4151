"""JSON-RPC fuzzing of the real stdio server over raw pipes (hypothesis).

Every request with a usable id must be answered with a result or a proper JSON-RPC error
(-32700, -32600, -32601, -32602, -32002; also -32800 for cancelled); never -32603 (a handler
that crashed on bad input), never silence. After every batch a valid request still answers.
Smoke: ~250 generated messages; full (`-m long`): ~2,500 plus a 70 MB frame.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.reliability.figures import record
from tests.support.rawlsp import RawServer, frame

PROPER = {-32700, -32600, -32601, -32602, -32002, -32800}
ANSWER_TIMEOUT = 20.0

METHODS = [
    "auro/search",
    "auro/chat",
    "auro/indexStatus",
    "auro/usage",
    "textDocument/codeAction",
    "codeAction/resolve",
    "workspace/executeCommand",
    "workspace/symbol",
    "textDocument/hover",
    "initialize",
    "$/cancelRequest",
    "no/suchMethod",
]
COMMANDS = ["auro.search", "auro.applySuggestion", "auro.explain", "auro.reindex", "nope"]

json_leaf = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
)
json_value = st.recursive(
    json_leaf,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
uris = st.sampled_from(
    ["file:///nope/missing.py", "http://::bad", "", "file://", "untitled:x", "file:///etc/passwd"]
) | st.text(max_size=30)
positions = st.fixed_dictionaries(
    {"line": st.integers(-5, 2**33) | json_leaf, "character": st.integers(-5, 2**33) | json_leaf}
)
ranges = st.fixed_dictionaries({"start": positions, "end": positions}) | json_value


def shaped_params(method: str) -> st.SearchStrategy[Any]:
    """Params that look right at a glance, with junk in the fields."""
    if method == "auro/search":
        return st.fixed_dictionaries(
            {"query": json_value | st.text(max_size=50)},
            optional={"k": json_value, "paths": json_value, "languages": json_value},
        )
    if method == "auro/chat":
        return st.fixed_dictionaries(
            {"message": json_value | st.text(min_size=1, max_size=30)},
            optional={
                "uri": uris,
                "range": ranges,
                "sessionId": json_value,
                "includeRag": st.just(False),
            },
        )
    if method == "textDocument/codeAction":
        return st.fixed_dictionaries(
            {
                "textDocument": st.fixed_dictionaries({"uri": uris}) | json_value,
                "range": ranges,
                "context": st.fixed_dictionaries({"diagnostics": st.just([])}) | json_value,
            }
        )
    if method == "codeAction/resolve":
        return st.fixed_dictionaries(
            {"title": st.text(max_size=10)},
            optional={
                "data": st.fixed_dictionaries(
                    {
                        "kind": st.sampled_from(["refactor", "fix", "zzz"]) | json_value,
                        "uri": uris,
                        "range": ranges,
                    }
                )
                | json_value
            },
        )
    if method == "workspace/executeCommand":
        return st.fixed_dictionaries(
            {"command": st.sampled_from(COMMANDS) | json_value},
            optional={"arguments": st.lists(json_value, max_size=3) | json_value},
        )
    return json_value


@st.composite
def fuzz_message(draw: st.DrawFn) -> tuple[bytes, Any]:
    """(frame bytes, id the server must answer or None)."""
    kind = draw(st.sampled_from(["shaped", "shaped", "random", "envelope", "raw"]))
    method = draw(st.sampled_from(METHODS))
    msg_id = draw(st.integers(1, 2**31))
    if kind == "raw":
        body = draw(
            st.binary(max_size=200)
            | st.sampled_from(
                [
                    b"{",
                    b"[1,2",
                    b'{"jsonrpc": "2.0", "id": 1',
                    b"\xff\xfe\xfa",
                    b"null",
                    b"[]",
                    b"[" * 5000 + b"]" * 5000,
                    b'"\xc3\x28"',
                    b"{}",
                    b"1e999999",
                ]
            )
        )
        return frame(body), None
    if kind == "envelope":
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": msg_id, "method": method, "params": {}}
        mutation = draw(
            st.sampled_from(["no_jsonrpc", "v1", "no_method", "method_type", "id_type", "extra"])
        )
        if mutation == "no_jsonrpc":
            del message["jsonrpc"]
        elif mutation == "v1":
            message["jsonrpc"] = "1.0"
        elif mutation == "no_method":
            del message["method"]
        elif mutation == "method_type":
            message["method"] = draw(json_value.filter(lambda v: not isinstance(v, str)))
        elif mutation == "id_type":
            message["id"] = draw(
                st.floats(allow_nan=False) | st.lists(st.integers(), max_size=2) | st.booleans()
            )
            return frame(message), None
        else:
            message["unexpected"] = draw(json_value)
        answer = msg_id if mutation not in ("no_method",) else None
        return frame(message), answer
    params = draw(shaped_params(method) if kind == "shaped" else json_value)
    message = {"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params}
    if method == "$/cancelRequest":
        del message["id"]  # a notification
        return frame(message), None
    return frame(message), msg_id


class Tally:
    def __init__(self) -> None:
        self.sent = 0
        self.answered = 0
        self.codes: dict[str, int] = {}
        self.problems: list[str] = []


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz") / "repo"
    root.mkdir()
    (root / "main.py").write_text("def main():\n    return parse_args()\n")
    (root / "util.js").write_text("export function add(a, b) { return a + b; }\n")
    return root


@pytest.fixture(scope="module")
def server(workspace: Path):
    srv = RawServer(workspace.parent / "data")
    answer = srv.initialize(workspace)
    assert answer and "result" in answer, srv.stderr_tail()
    yield srv
    code = srv.close()
    assert code == 0, f"exit code {code}: {srv.stderr_tail()}"


def still_answers(srv: RawServer) -> None:
    answer = srv.request("auro/indexStatus", {}, timeout=ANSWER_TIMEOUT)
    assert srv.alive(), f"server died: {srv.stderr_tail()}"
    assert answer is not None and "result" in answer, f"no answer after batch: {answer}"


def check_batch(srv: RawServer, batch: list[tuple[bytes, Any]], tally: Tally) -> None:
    for data, _ in batch:
        srv.send(data)
        tally.sent += 1
    for data, msg_id in batch:
        if msg_id is None:
            continue
        answer = srv.wait_response(msg_id, ANSWER_TIMEOUT)
        if answer is None:
            tally.problems.append(f"no answer to {data[:300]!r}")
            continue
        tally.answered += 1
        if "error" in answer:
            code = answer["error"]["code"]
            tally.codes[str(code)] = tally.codes.get(str(code), 0) + 1
            if code not in PROPER:
                tally.problems.append(
                    f"code {code} for {data[:300]!r}: {answer['error']['message'][:200]}"
                )
        else:
            tally.codes["result"] = tally.codes.get("result", 0) + 1
    still_answers(srv)


def run_fuzz(server: RawServer, examples: int, name: str) -> None:
    tally = Tally()

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.lists(fuzz_message(), min_size=1, max_size=8))
    def batches(batch: list[tuple[bytes, Any]]) -> None:
        check_batch(server, batch, tally)

    started = time.monotonic()
    batches()
    record(
        name,
        {
            "messages": tally.sent,
            "answers_checked": tally.answered,
            "codes": tally.codes,
            "improper_or_missing": len(tally.problems),
            "crashes": 0 if server.alive() else 1,
            "seconds": round(time.monotonic() - started, 1),
        },
    )
    assert not tally.problems, "\n".join(tally.problems[:20])


def test_fuzz_smoke(server: RawServer) -> None:
    run_fuzz(server, 60, "rpc_fuzz_smoke")


@pytest.mark.long
@pytest.mark.timeout(1500)
def test_fuzz_full(server: RawServer) -> None:
    run_fuzz(server, 600, "rpc_fuzz_full")


# -- framing: bytes no client library would send ----------------------------------------
RESYNC = b"\r\n"  # ends a line of leftover bytes, so the next header parses


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b'Content-Length: 5\r\n\r\n{"a":', id="short-body-prefix"),
        pytest.param(
            b'Content-Length: 3\r\n\r\n{"jsonrpc": "2.0"}' + RESYNC, id="length-too-short"
        ),
        pytest.param(b"Content-Type: text/plain\r\n\r\n" + RESYNC, id="no-content-length"),
        pytest.param(b"Content-Length: abc\r\n\r\n" + RESYNC, id="bad-length"),
        pytest.param(b"garbage line without colon\r\n" + RESYNC, id="garbage-header"),
        pytest.param(b"Content-Length: 4\r\nX-Extra: 1\r\n\r\nnull", id="extra-header"),
        pytest.param(frame(b"\xff\xfe not utf-8"), id="invalid-utf8"),
        pytest.param(frame(b"[" * 100_000), id="deep-nesting"),
        pytest.param(
            frame(json.dumps({"jsonrpc": "2.0", "method": "x", "params": "y" * 5_000_000})),
            id="5MB-notification",
        ),
    ],
)
def test_malformed_frames_do_not_kill_the_server(server: RawServer, data: bytes) -> None:
    server.send(data)
    still_answers(server)


def test_huge_payloads(server: RawServer, workspace: Path) -> None:
    big = "x" * 5_000_000
    for method, params in [
        ("auro/search", {"query": big}),
        ("auro/chat", {"message": big, "includeRag": False}),
        ("workspace/executeCommand", {"command": "auro.search", "arguments": [big]}),
        ("codeAction/resolve", {"title": "t", "data": {"kind": "fix", "uri": big, "range": {}}}),
    ]:
        answer = server.request(method, params, timeout=60)
        assert answer is not None and answer.get("error", {}).get("code") == -32602, (
            method,
            answer,
        )
    # a 5 MB document opened, then code actions on a range far outside it
    uri = (workspace / "big.py").as_uri()
    server.notify(
        "textDocument/didOpen",
        {
            "textDocument": {
                "uri": uri,
                "languageId": "python",
                "version": 1,
                "text": "a = 1\n" * 800_000,
            }
        },
    )
    answer = server.request(
        "textDocument/codeAction",
        {
            "textDocument": {"uri": uri},
            "range": {
                "start": {"line": 10**6, "character": 5},
                "end": {"line": 10**7, "character": 0},
            },
            "context": {"diagnostics": []},
        },
        timeout=60,
    )
    assert answer is not None and ("result" in answer or answer["error"]["code"] in PROPER), answer
    still_answers(server)


@pytest.mark.long
def test_oversized_frame_is_drained_and_refused(server: RawServer) -> None:
    """A 70 MB body (over the 64 MiB cap) is read in pieces and answered -32700."""
    before = len(server.null_id_errors)
    body = b'{"jsonrpc": "2.0", "id": 5, "method": "x", "params": "' + b"z" * 70_000_000 + b'"}'
    server.send(frame(body))
    still_answers(server)
    assert (
        server.null_id_errors[before:] and server.null_id_errors[before]["error"]["code"] == -32700
    )


# -- lifecycle out of order ---------------------------------------------------------------
def test_lifecycle_out_of_order(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "a.py").write_text("x = 1\n")
    srv = RawServer(tmp_path / "data")
    try:
        for method, params in [
            ("auro/search", {"query": "x"}),
            ("auro/indexStatus", None),
            (
                "textDocument/codeAction",
                {
                    "textDocument": {"uri": "file:///x"},
                    "range": {
                        "start": {"line": 0, "character": 0},
                        "end": {"line": 0, "character": 0},
                    },
                    "context": {"diagnostics": []},
                },
            ),
            ("shutdown", None),
        ]:
            answer = srv.request(method, params)
            assert answer and answer["error"]["code"] == -32002, (method, answer)
        srv.notify("textDocument/didOpen", {"textDocument": {"uri": "file:///x"}})  # dropped
        assert "result" in (srv.initialize(root) or {}), srv.stderr_tail()
        again = srv.request("initialize", {"processId": None, "capabilities": {}})
        assert again and again["error"]["code"] == -32600, again
        assert "result" in (srv.request("auro/indexStatus") or {})
        assert (srv.request("shutdown") or {}).get("result", "missing") is None
        for method in ("shutdown", "auro/indexStatus", "no/such"):
            answer = srv.request(method)
            assert answer and answer["error"]["code"] == -32600, (method, answer)
        srv.notify("exit")
        assert srv.proc.wait(20) == 0
    finally:
        srv.kill()


def test_shutdown_racing_initialize(tmp_path: Path) -> None:
    """pygls used to fail 'dictionary changed size during iteration' here (see rpc_guard)."""
    root = tmp_path / "repo"
    root.mkdir()
    srv = RawServer(tmp_path / "data")
    try:
        init = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {"processId": None, "capabilities": {}, "rootUri": root.as_uri()},
        }
        srv.send(frame(init) + frame({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}))
        first, second = srv.wait_response(1, 60), srv.wait_response(2, 60)
        assert first is not None and second is not None, srv.stderr_tail()
        assert second.get("result", "missing") is None, second
        assert "dictionary changed size" not in srv.stderr_tail(100_000)
        srv.notify("exit")
        assert srv.proc.wait(20) == 0, srv.stderr_tail()
    finally:
        srv.kill()
