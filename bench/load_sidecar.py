"""Load on the REST sidecar, loopback only: `python -m bench.load_sidecar --workspace DIR`.

Starts `auro-pai serve --workspace DIR` on 127.0.0.1 with a generated token and a rate
limit raised out of the way (AURO_HTTP_RATE_LIMIT / AURO_HTTP_RATE_BURST = 100000: the
default 20 req/s per address would otherwise answer 429 by design), waits until ready, then
sends a bounded number of requests (half `POST /api/v1/rag/search`, half
`GET /api/v1/health`) at a fixed concurrency, stopping at `--max-seconds` in any case.
Prints one JSON line: throughput, p50/p99 latency per kind, errors.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

QUERIES = ["handler retries", "parse arguments", "request reply", "sum range", "module"]
RATE_LIMIT = "100000"


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_serve(
    workspace: Path,
    data_dir: Path,
    token: str,
    port: int,
    extra_env: dict[str, str] | None = None,
) -> subprocess.Popen:
    """`auro-pai serve` on 127.0.0.1:port; `extra_env` adds or overrides settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AURO_", "OPENAI_"))}
    env.update(
        AURO_DATA_DIR=str(data_dir),
        AURO_HTTP_TOKEN=token,
        AURO_HTTP_RATE_LIMIT=RATE_LIMIT,
        AURO_HTTP_RATE_BURST=RATE_LIMIT,
        AURO_WATCH_FILES="false",
        LLAMACPP_SERVER_URL="",
        LOG_LEVEL="WARNING",
        ANONYMIZED_TELEMETRY="False",
    )
    env.update(extra_env or {})
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "server.cli",
            "serve",
            "--workspace",
            str(workspace),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def wait_ready(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            try:
                async with session.get(f"{url}/api/v1/health/readiness") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise TimeoutError(f"{url} not ready after {timeout}s")


async def run_load(
    url: str, token: str, total: int = 2000, concurrency: int = 16, max_seconds: float = 30.0
) -> dict[str, Any]:
    """`total` requests (alternating search / health) over `concurrency` connections."""
    assert url.startswith(("http://127.0.0.1", "http://localhost")), "loopback only"
    latencies: dict[str, list[float]] = {"search": [], "health": []}
    errors: list[str] = []
    counter = iter(range(total))
    deadline = time.monotonic() + max_seconds
    headers = {"Authorization": f"Bearer {token}"}
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=10)

    async def worker(session: aiohttp.ClientSession) -> None:
        for n in counter:
            if time.monotonic() > deadline:
                return
            kind = "search" if n % 2 == 0 else "health"
            started = time.perf_counter()
            try:
                if kind == "search":
                    body = {"query": QUERIES[n % len(QUERIES)], "k": 5}
                    request = session.post(f"{url}/api/v1/rag/search", json=body)
                else:
                    request = session.get(f"{url}/api/v1/health")
                async with request as response:
                    await response.read()
                    if response.status != 200:
                        errors.append(f"{kind} HTTP {response.status}")
                        continue
            except (aiohttp.ClientError, TimeoutError) as exc:
                errors.append(f"{kind} {type(exc).__name__}")
                continue
            latencies[kind].append((time.perf_counter() - started) * 1000)

    started = time.monotonic()
    async with aiohttp.ClientSession(headers=headers, connector=connector, timeout=timeout) as s:
        await asyncio.gather(*(worker(s) for _ in range(concurrency)))
    elapsed = time.monotonic() - started
    done = sum(len(v) for v in latencies.values())
    return {
        "requests": done + len(errors),
        "ok": done,
        "errors": len(errors),
        "error_kinds": sorted(set(errors))[:10],
        "concurrency": concurrency,
        "seconds": round(elapsed, 2),
        "throughput_rps": round(done / elapsed, 1) if elapsed else 0.0,
        **{
            f"{kind}_p{q}_ms": round(percentile(values, q), 1)
            for kind, values in latencies.items()
            for q in (50, 99)
        },
        "rate_limit": f"AURO_HTTP_RATE_LIMIT={RATE_LIMIT} AURO_HTTP_RATE_BURST={RATE_LIMIT}",
    }


def make_workspace(root: Path, files: int = 40) -> None:
    for f in range(files):
        path = root / f"pkg{f % 4}" / f"module_{f}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            "\n\n".join(
                f"def handler_{f}_{n}(request, retries={n}):\n"
                f"    total = sum(range({n + f}))\n    return request.reply(total)\n"
                for n in range(6)
            )
        )


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        workspace = Path(args.workspace) if args.workspace else Path(tmp) / "repo"
        if not args.workspace:
            make_workspace(workspace)
        token, port = secrets.token_hex(16), free_port()
        proc = start_serve(workspace, Path(tmp) / "data", token, port)
        try:
            url = f"http://127.0.0.1:{port}"
            await wait_ready(url)
            # warm-up: the first search loads the embedding model; not part of the figures
            await run_load(url, token, 2, 1, 120.0)
            return await run_load(url, token, args.requests, args.concurrency, args.max_seconds)
        finally:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load_sidecar")
    parser.add_argument("--workspace", help="default: a generated 40-file Python tree")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--max-seconds", type=float, default=30.0)
    result = asyncio.run(main_async(parser.parse_args(argv)))
    print(json.dumps(result))
    return 0 if result["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
