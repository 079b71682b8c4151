"""Inline completion as a Neovim user types: `python -m bench.nvim_inline_typing`.

Headless `nvim` (PATH, or --nvim) runs the plugin (editors/neovim, its own ghost text) against
the real `server.cli lsp` and the fake llama-server `/infill` (5 ms latency) on loopback, and
types a line of code at 8 characters a second, once per debounce setting. Prints one JSON
line per run: keystrokes, requests the plugin sent, cancelled ($/cancelRequest), suggestions
shown, keystrokes typed through a shown suggestion (no request), and requests that reached
the provider (the server answers some from its prefix cache).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from tests.editors.llm_env import llm_env
from tests.fakes.openai_server import FakeOpenAIServer

REPO = Path(__file__).resolve().parents[1]
SCRIPT = Path(__file__).with_name("nvim_inline_typing.lua")
REPLY = "values[index] * scale"


def emit(record: dict[str, Any]) -> None:
    print(json.dumps(record), flush=True)


async def type_once(
    nvim: str, tmp: Path, fake: FakeOpenAIServer, text: str, cps: float, debounce_ms: int
) -> dict[str, Any]:
    root = tmp / f"repo-{debounce_ms}"
    (root / ".git").mkdir(parents=True)
    out = tmp / f"out-{debounce_ms}.json"
    env = llm_env(
        tmp / f"data-{debounce_ms}",
        fake,
        fake,
        AURO_HTTP_ENABLED="false",
        AURO_BENCH_PLUGIN=str(REPO / "editors" / "neovim"),
        AURO_BENCH_ROOT=str(root),
        AURO_BENCH_OUT=str(out),
        AURO_BENCH_CMD=json.dumps([sys.executable, "-m", "server.cli", "lsp"]),
        AURO_BENCH_TEXT=text,
        AURO_BENCH_CPS=str(cps),
        AURO_BENCH_DEBOUNCE_MS=str(debounce_ms),
        PYTHONPATH=str(REPO),
        HOME=str(tmp / "home"),
        XDG_STATE_HOME=str(tmp / "home" / "state"),
        XDG_CACHE_HOME=str(tmp / "home" / "cache"),
    )
    fake.reset()
    proc = await asyncio.create_subprocess_exec(
        nvim,
        "--headless",
        "--clean",
        "-n",
        "-i",
        "NONE",
        "-c",
        f"luafile {SCRIPT}",
        cwd=root,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    await asyncio.wait_for(proc.wait(), 300)
    seen = json.loads(out.read_text())
    if seen.get("error"):
        raise RuntimeError(seen["error"])
    stats = seen["stats"]
    reached = len([r for r in fake.requests if "input_prefix" in r])
    keystrokes = seen["keystrokes"]
    return {
        "bench": "nvim_inline_typing",
        "debounce_ms": debounce_ms,
        "chars_per_second": cps,
        "provider_latency_ms": 5,
        "keystrokes": keystrokes,
        "seconds": round(seen["seconds"], 1),
        "requests_sent": stats["requests"],
        "cancelled": stats["cancelled"],
        "shown": stats["shown"],
        "typed_through": stats["typed_through"],
        "requests_reaching_provider": reached,
        "reaching_per_100_keystrokes": round(100 * reached / keystrokes, 1),
    }


async def run(args: argparse.Namespace) -> None:
    nvim = args.nvim or shutil.which("nvim")
    if not nvim:
        raise SystemExit("nvim is not installed (or pass --nvim PATH)")
    text = ((REPLY + "\n    ") * (args.keystrokes // len(REPLY) + 1))[: args.keystrokes]
    with tempfile.TemporaryDirectory() as tmp:
        async with FakeOpenAIServer(reply_text=REPLY, delay=0.005) as fake:
            for debounce_ms in args.debounce:
                emit(await type_once(nvim, Path(tmp), fake, text, args.cps, debounce_ms))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.nvim_inline_typing")
    parser.add_argument("--nvim", default=None, help="the Neovim binary (default: nvim on PATH)")
    parser.add_argument("--keystrokes", type=int, default=100)
    parser.add_argument("--cps", type=float, default=8.0, help="characters typed a second")
    parser.add_argument("--debounce", type=int, nargs="+", default=[150, 0])
    args = parser.parse_args(argv)
    asyncio.run(run(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
