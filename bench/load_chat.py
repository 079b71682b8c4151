"""Chats against a slow model, loopback only: `python -m bench.load_chat [--chats 200]`.

Starts the fake OpenAI-compatible server (`tests.fakes.openai_server`, one piece every
`--delay` seconds) and `auro-pai serve` on 127.0.0.1 with the fake as its only model, then
sends `--chats` concurrent chats, each starting a new session, while a prober asks
`GET /api/v1/health/liveness` every 50 ms. Prints one JSON line: the status-code mix (with
error codes), liveness p50/max during the load, chat latency, and the server's RSS before,
at its peak and after. RAG is off by default (`--rag` turns it on) so the figures are the
chat and session machinery's, not the embedding model's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp

from bench.load_sidecar import free_port, make_workspace, percentile, start_serve, wait_ready

PROBE_INTERVAL_S = 0.05
RATE_LIMIT = "100000"
STALL_S = 30.0


def rss_mb(pid: int) -> float:
    """Resident set size of a process (Linux /proc), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def start_fake(delay: float, pieces: int) -> tuple[subprocess.Popen, str]:
    """The fake model: `pieces` deltas, `delay` seconds apart; returns it and its URL."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.fakes.openai_server",
            "--delay",
            str(delay),
            "--chunk-chars",
            "5",
            "--reply",
            "word " * pieces,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    ready = proc.stdout.readline().split()
    assert ready[:1] == ["READY"], ready
    return proc, ready[1]


async def probe(url: str, stop: asyncio.Event, latencies: list[float], failures: list[str]):
    """Liveness every PROBE_INTERVAL_S until `stop`; one connection, like a supervisor."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        while not stop.is_set():
            started = time.perf_counter()
            try:
                async with session.get(f"{url}/api/v1/health/liveness") as response:
                    await response.read()
                    if response.status != 200:
                        failures.append(f"HTTP {response.status}")
            except (aiohttp.ClientError, TimeoutError) as exc:
                failures.append(type(exc).__name__)
            latencies.append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(PROBE_INTERVAL_S)


async def one_chat(
    session: aiohttp.ClientSession, url: str, n: int, stream: bool, rag: bool
) -> tuple[str, float]:
    """One new-session chat; returns "status" or "status code" (errors) and its seconds."""
    body = {"message": f"question {n}", "stream": stream, "include_rag": rag}
    started = time.perf_counter()
    try:
        async with session.post(f"{url}/api/v1/chat", json=body) as response:
            raw = await response.read()
            outcome = str(response.status)
            if response.status != 200:
                outcome += " " + json.loads(raw)["error"]["code"]
            elif stream and not raw.rstrip().endswith(b"data: [DONE]"):
                outcome += " stream-without-[DONE]"
    except (aiohttp.ClientError, TimeoutError) as exc:
        outcome = type(exc).__name__
    return outcome, time.perf_counter() - started


async def run_chats(
    url: str, token: str, pid: int, chats: int, stream: bool, rag: bool
) -> dict[str, Any]:
    assert url.startswith("http://127.0.0.1"), "loopback only"
    headers = {"Authorization": f"Bearer {token}"}
    connector = aiohttp.TCPConnector(limit=0)
    # a stream that stops, or a corrupted response whose read() never returns: TimeoutError
    timeout = aiohttp.ClientTimeout(total=STALL_S * 4, sock_read=STALL_S)
    async with aiohttp.ClientSession(headers=headers, connector=connector, timeout=timeout) as s:
        await one_chat(s, url, -1, stream, rag)  # warm-up, not counted
        rss_before = rss_mb(pid)
        stop, probes, probe_failures = asyncio.Event(), [], []
        prober = asyncio.create_task(probe(url, stop, probes, probe_failures))
        peak = rss_before

        async def sample_rss() -> None:
            nonlocal peak
            while not stop.is_set():
                peak = max(peak, rss_mb(pid))
                await asyncio.sleep(0.2)

        sampler = asyncio.create_task(sample_rss())
        await asyncio.sleep(0.5)  # a few idle probes first
        started = time.monotonic()
        results = await asyncio.gather(*(one_chat(s, url, n, stream, rag) for n in range(chats)))
        elapsed = time.monotonic() - started
        stop.set()
        await asyncio.gather(prober, sampler)
    await asyncio.sleep(2)  # cancelled or finished turns settle
    ok = [seconds for outcome, seconds in results if outcome == "200"]
    return {
        "chats": chats,
        "stream": stream,
        "rag": rag,
        "statuses": dict(Counter(outcome for outcome, _ in results).most_common()),
        "seconds": round(elapsed, 1),
        "chat_ok_p50_s": round(percentile(ok, 50), 2),
        "chat_ok_max_s": round(max(ok), 2) if ok else None,
        "liveness_probes": len(probes),
        "liveness_failures": len(probe_failures),
        "liveness_p50_ms": round(percentile(probes, 50), 1),
        "liveness_max_ms": round(max(probes), 1) if probes else None,
        "rss_before_mb": round(rss_before, 1),
        "rss_peak_mb": round(peak, 1),
        "rss_after_mb": round(rss_mb(pid), 1),
    }


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    fake, fake_url = start_fake(args.delay, args.pieces)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            workspace = Path(tmp) / "repo"
            make_workspace(workspace)
            token, port = secrets.token_hex(16), free_port()
            env = {
                "OPENAI_BASE_URL": f"{fake_url}/v1",
                "OPENAI_API_KEY": "bench",
                "AURO_LLM_PROVIDERS": "openai",
                "AURO_LLM_MAX_RETRIES": "0",
                "AURO_HTTP_RATE_LIMIT": RATE_LIMIT,
                "AURO_HTTP_RATE_BURST": RATE_LIMIT,
                "AURO_HTTP_MAX_STREAMS": str(args.max_streams),
                "MAX_SESSIONS": str(args.max_sessions),
            }
            serve = start_serve(workspace, Path(tmp) / "data", token, port, env)
            try:
                url = f"http://127.0.0.1:{port}"
                await wait_ready(url)
                result = await run_chats(url, token, serve.pid, args.chats, args.stream, args.rag)
            finally:
                serve.terminate()
                try:
                    serve.wait(20)
                except subprocess.TimeoutExpired:
                    serve.kill()
    finally:
        fake.terminate()
        fake.wait(10)
    settings = f"AURO_HTTP_MAX_STREAMS={args.max_streams} MAX_SESSIONS={args.max_sessions}"
    model = f"{args.pieces} pieces x {args.delay:g} s"
    return {**result, "settings": settings, "model": model}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load_chat")
    parser.add_argument("--chats", type=int, default=200)
    parser.add_argument("--delay", type=float, default=0.25, help="seconds between pieces")
    parser.add_argument("--pieces", type=int, default=20, help="pieces per answer")
    parser.add_argument("--max-streams", type=int, default=8, help="AURO_HTTP_MAX_STREAMS")
    parser.add_argument("--max-sessions", type=int, default=100, help="MAX_SESSIONS")
    parser.add_argument("--stream", action="store_true", help="SSE instead of JSON chats")
    parser.add_argument("--rag", action="store_true", help="search the workspace too")
    result = asyncio.run(main_async(parser.parse_args(argv)))
    print(json.dumps(result))
    unexpected = [s for s in result["statuses"] if not s.startswith(("200", "429", "503"))]
    return 1 if unexpected or result["liveness_failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
