"""`search_code` round trip over MCP (stdio and streamable HTTP) beside REST search:
`python -m bench.mcp_latency --workspace DIR [--rounds 5]`.

Indexes DIR into a fresh data dir (not timed). Then, for the same queries on the same index:

* `stdio, own index`: `auro-pai mcp` with no server running (the process opens the index);
* `auro-pai serve` starts, and with it running:
* `REST`: `POST /api/v1/rag/search` over one keep-alive connection;
* `HTTP /mcp`: the SDK's streamable HTTP client on the sidecar's `/mcp`;
* `stdio via server`: `auro-pai mcp` again, which now goes through the server's REST API.

Each client makes `WARMUP` untimed calls first (the first search loads the embedding model);
then every query `--rounds` times, the three clients of the running server taking turns
query by query, so a busy moment of a shared machine falls on all of them alike. Prints a
table (p50/p95/max in ms) and one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import httpx2
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

QUERIES = [
    "parse arguments",
    "retry the request",
    "read the config file",
    "split text into chunks",
    "rank search results",
    "embedding model",
    "watch files for changes",
    "cancel a running task",
]
K = 10
WARMUP = 3
CLI = [sys.executable, "-m", "server.cli"]

Call = Callable[[str], Awaitable[None]]


def environment(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AURO_", "CHROMADB_"))}
    env.update(
        AURO_DATA_DIR=str(data_dir),
        XDG_CONFIG_HOME=str(data_dir / "xdg-config"),
        AURO_WATCH_FILES="false",
        LOG_LEVEL="WARNING",
        # one client sends every request: the per-address limit must not be what is measured
        AURO_HTTP_RATE_LIMIT="100000",
        AURO_HTTP_RATE_BURST="100000",
    )
    return env


def percentile(samples: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of at least one sample."""
    ordered = sorted(samples)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


def summary(samples: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in samples]
    return {
        "n": len(ms),
        "p50_ms": round(statistics.median(ms), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "max_ms": round(max(ms), 1),
    }


async def timed(calls: dict[str, Call], rounds: int) -> dict[str, list[float]]:
    """Every query `rounds` times through each client, the clients interleaved (in turn, the
    first one rotating) so that all see the same machine load; warm-up calls untimed."""
    for call in calls.values():
        for query in QUERIES[:WARMUP]:
            await call(query)
    seconds: dict[str, list[float]] = {name: [] for name in calls}
    order = list(calls)
    for _ in range(rounds):
        for query in QUERIES:
            for name in order:
                started = time.perf_counter()
                await calls[name](query)
                seconds[name].append(time.perf_counter() - started)
            order = order[1:] + order[:1]
    return seconds


def search_code(session: ClientSession) -> Call:
    async def call(query: str) -> None:
        result = await session.call_tool("search_code", {"query": query, "k": K})
        if result.is_error:
            raise SystemExit(f"search_code failed: {result.content}")

    return call


@asynccontextmanager
async def stdio_session(workspace: Path, env: dict[str, str]) -> AsyncIterator[ClientSession]:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "server.cli", "mcp", "--workspace", str(workspace)],
        env=env,
    )
    with open(os.devnull, "w") as quiet:
        async with (
            stdio_client(params, errlog=quiet) as (read, write),
            ClientSession(read, write, read_timeout_seconds=300) as session,
        ):
            await session.initialize()
            yield session


@asynccontextmanager
async def http_session(url: str, token: str) -> AsyncIterator[ClientSession]:
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(60, read=300)) as http,
        streamable_http_client(f"{url}/mcp", http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session


def rest_search(http: aiohttp.ClientSession, url: str) -> Call:
    async def call(query: str) -> None:
        async with http.post(f"{url}/api/v1/rag/search", json={"query": query, "k": K}) as response:
            response.raise_for_status()
            await response.read()

    return call


@asynccontextmanager
async def served(workspace: Path, env: dict[str, str]) -> AsyncIterator[tuple[str, str]]:
    """`auro-pai serve` on a free port: its URL and token."""
    proc = await asyncio.create_subprocess_exec(
        *CLI, "serve", "--workspace", str(workspace), "--port", "0",
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    assert proc.stdout is not None
    url = token = None
    try:
        async with asyncio.timeout(180):
            while url is None or token is None:
                line = (await proc.stdout.readline()).decode()
                if not line:
                    raise SystemExit("auro-pai serve exited before it was serving")
                if m := re.search(r" at (http://\S+)", line):
                    url = m.group(1)
                if m := re.search(r"API token: (\S+)", line):
                    token = m.group(1)
        yield url, token
    finally:
        proc.terminate()
        await proc.wait()


async def measure(workspace: Path, env: dict[str, str], rounds: int) -> dict[str, list[float]]:
    async with stdio_session(workspace, env) as session:
        samples = await timed({"MCP stdio, own index": search_code(session)}, rounds)
    async with (
        served(workspace, env) as (url, token),
        aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as http,
        http_session(url, token) as over_http,
        stdio_session(workspace, env) as over_stdio,
    ):
        samples |= await timed(
            {
                "REST /api/v1/rag/search": rest_search(http, url),
                "MCP HTTP /mcp": search_code(over_http),
                "MCP stdio via server": search_code(over_stdio),
            },
            rounds,
        )
    return samples


def table(results: dict[str, dict[str, float]]) -> str:
    lines = [f"{'transport':<26} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}"]
    for name, s in results.items():
        lines.append(f"{name:<26} {s['n']:>4} {s['p50_ms']:>8} {s['p95_ms']:>8} {s['max_ms']:>8}")
    return "\n".join(lines)


def run(workspace: Path, rounds: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="auro-bench-mcp-") as tmp:
        env = environment(Path(tmp))
        subprocess.run([*CLI, "index", str(workspace)], env=env, check=True, capture_output=True)
        load_before = os.getloadavg()[0]
        samples = asyncio.run(measure(workspace, env, rounds))
    return {
        "workspace": str(workspace),
        "queries": len(QUERIES),
        "rounds": rounds,
        "k": K,
        "load_average_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "results": {name: summary(s) for name, s in samples.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    report = run(args.workspace.resolve(), args.rounds)
    print(table(report["results"]))
    print(f"load average (1 min) before/after: {report['load_average_1m']}")
    print(json.dumps(report))


if __name__ == "__main__":
    main()
