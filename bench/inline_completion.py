"""Inline completion latency on the real LSP server: `python -m bench.inline_completion`.

Starts `python -m server.cli lsp` against the fake llama-server (`/infill`) on loopback and
prints JSON lines:

1. Overhead over a direct `/infill` call: `auro/inlineCompletion` round trips (a new prefix
   each time, so no cache hit) versus a direct POST /infill with the same body; p50/p95 of
   each and their difference, without index context (budget 0) and with it (default budget).
2. Cancel to upstream close: `$/cancelRequest` while the fake holds the request, to the fake
   losing the connection (it learns that from the transport at once), in two phases: right
   after start, while the root's index opens and makes its first pass in worker threads,
   and once the index is settled (an editing session's usual state).
3. Requests reaching the provider per 100 keystrokes typed at 8 characters/s, the client
   cancelling the previous request at each keystroke, the fake answering in 5 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from lsprotocol import types
from pygls.exceptions import JsonRpcRequestCancelled
from pygls.uris import from_fs_path
from pytest_lsp import LanguageClient

from bench.editor_features import generate_python, summary
from tests.fakes.common import Hang
from tests.fakes.openai_server import FakeOpenAIServer
from tests.support.lsp_harness import lsp_session, server_env

TARGETS = {"overhead_p50_ms": 15.0, "cancel_p95_ms": 50.0}
REPLY = "values[index] * scale"


def emit(record: dict[str, Any]) -> None:
    print(json.dumps(record), flush=True)


def position_of(text: str) -> dict[str, int]:
    lines = text.split("\n")
    return {"line": len(lines) - 1, "character": len(lines[-1])}


class Editor:
    """One open buffer, edited and asked for completions like a client does."""

    def __init__(self, client: LanguageClient, path: Path, text: str) -> None:
        self.client = client
        self.uri = from_fs_path(str(path))
        self.text = text
        self.version = 1
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=self.uri, language_id="python", version=1, text=text
                )
            )
        )

    def type(self, chars: str) -> None:
        self.text += chars
        self.version += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(
                    uri=self.uri, version=self.version
                ),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=self.text)],
            )
        )

    def ask(self, msg_id: str | None = None) -> asyncio.Future[Any]:
        params = {
            "textDocument": {"uri": self.uri},
            "position": position_of(self.text),
            "context": {"triggerKind": 2},
        }
        return asyncio.ensure_future(
            self.client.protocol.send_request_async("auro/inlineCompletion", params, msg_id=msg_id)
        )


async def direct_infill(fake: FakeOpenAIServer, body: dict[str, Any], count: int) -> list[float]:
    times = []
    async with aiohttp.ClientSession() as session:
        for _ in range(count):
            started = time.perf_counter()
            async with session.post(f"{fake.url}/infill", json=body) as response:
                await response.json()
            times.append((time.perf_counter() - started) * 1000)
    return times


async def via_lsp(editor: Editor, count: int) -> list[float]:
    times = []
    for i in range(count):
        editor.type(f"{i % 10}")  # a new prefix: no cache hit
        started = time.perf_counter()
        await editor.ask()
        times.append((time.perf_counter() - started) * 1000)
    return times


async def index_settled(client: LanguageClient, timeout: float = 300) -> None:
    """Until the first index pass is done: its embedding work would be measured otherwise."""
    async with asyncio.timeout(timeout):
        while True:
            status = await client.protocol.send_request_async("auro/indexStatus", {})
            if status.complete and status.state == "idle":
                return
            await asyncio.sleep(0.5)


async def bench_overhead(
    env: dict[str, str], repo: Path, fake: FakeOpenAIServer, count: int, label: str
) -> None:
    async with lsp_session(env, [repo]) as (client, _):
        await index_settled(client)
        baseline = []
        for _ in range(count):  # the JSON-RPC round trip alone, for comparison
            started = time.perf_counter()
            await client.protocol.send_request_async("auro/indexStatus", {})
            baseline.append((time.perf_counter() - started) * 1000)
        editor = Editor(client, repo / "edited.py", (repo / "module.py").read_text()[:4000])
        editor.type("\ndef scaled_total(values, scale):\n    total = ")
        await via_lsp(editor, 5)  # warm-up
        lsp = await via_lsp(editor, count)
        body = dict(fake.requests[-1])
        direct = await direct_infill(fake, body, count)
        emit(
            {
                "bench": "inline_overhead",
                "context": label,
                "input_extra_chunks": len(body.get("input_extra") or []),
                "lsp": summary(lsp),
                "lsp_round_trip_only": summary(baseline),
                "direct_infill": summary(direct),
                "overhead_p50_ms": round(summary(lsp)["p50_ms"] - summary(direct)["p50_ms"], 2),
                "overhead_p95_ms": round(summary(lsp)["p95_ms"] - summary(direct)["p95_ms"], 2),
                "target_overhead_p50_ms": TARGETS["overhead_p50_ms"],
            }
        )


async def cancel_times(
    client: LanguageClient, editor: Editor, fake: FakeOpenAIServer, count: int, tag: str
) -> list[float]:
    times = []
    for i in range(count):
        fake.push(Hang(headers_sent=False))
        editor.type("x")
        seen, gone = len(fake.requests), fake.disconnects
        pending = editor.ask(msg_id=f"cancel-{tag}-{i}")
        while len(fake.requests) == seen:
            await asyncio.sleep(0.002)
        started = time.perf_counter()
        client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=f"cancel-{tag}-{i}"))
        while fake.disconnects == gone:
            await asyncio.sleep(0.001)
        times.append((time.perf_counter() - started) * 1000)
        try:
            await pending
        except JsonRpcRequestCancelled:
            pass
    return times


async def bench_cancel_and_typing(
    env: dict[str, str], repo: Path, fake: FakeOpenAIServer, cancels: int, keystrokes: int
) -> None:
    async with lsp_session(env, [repo]) as (client, _):
        editor = Editor(client, repo / "typed.py", "def scaled_total(values, scale):\n    ")
        # at once: the root's index opens and its first pass runs in worker threads
        building = await cancel_times(client, editor, fake, cancels, "building")
        await index_settled(client)
        settled = await cancel_times(client, editor, fake, cancels, "settled")
        for phase, times in (("index_building", building), ("index_settled", settled)):
            emit(
                {
                    "bench": "inline_cancel",
                    "phase": phase,
                    **summary(times),
                    "target_p95_ms": TARGETS["cancel_p95_ms"],
                }
            )

        fake.reset()
        fake.delay = 0.005
        fake.reply_text = REPLY
        editor = Editor(client, repo / "typing.py", "def scaled_total(values, scale):\n    ")
        asked: list[tuple[str, asyncio.Future[Any]]] = []
        text = (REPLY + "\n    ") * (keystrokes // len(REPLY) + 1)
        for i in range(keystrokes):
            if asked and not asked[-1][1].done():  # what a client does at each keystroke
                client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=asked[-1][0]))
            editor.type(text[i])
            asked.append((f"type-{i}", editor.ask(msg_id=f"type-{i}")))
            await asyncio.sleep(1 / 8)
        await asyncio.gather(*(future for _, future in asked), return_exceptions=True)
        emit(
            {
                "bench": "inline_typing",
                "keystrokes": keystrokes,
                "chars_per_second": 8,
                "provider_latency_ms": 5,
                "requests_reaching_provider": len(fake.requests),
                "per_100_keystrokes": round(100 * len(fake.requests) / keystrokes, 1),
            }
        )


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        repo.mkdir()
        (repo / "module.py").write_text(generate_python(2000))
        async with FakeOpenAIServer(reply_text=REPLY, model_path="/models/fim.gguf") as fake:
            base = {
                "LLAMACPP_SERVER_URL": fake.url,
                "AURO_LLM_PROVIDERS": "llamacpp",
                "AURO_HTTP_ENABLED": "false",
            }
            for label, budget in (("none", "0"), ("index", "512")):
                env = server_env(
                    Path(tmp) / f"data-{label}",
                    AURO_INLINE_COMPLETION_CONTEXT_TOKENS=budget,
                    **base,
                )
                await bench_overhead(env, repo, fake, args.requests, label)
            env = server_env(Path(tmp) / "data-cancel", **base)
            await bench_cancel_and_typing(env, repo, fake, args.cancels, args.keystrokes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.inline_completion")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--cancels", type=int, default=20)
    parser.add_argument("--keystrokes", type=int, default=100)
    args = parser.parse_args(argv)
    asyncio.run(run(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
