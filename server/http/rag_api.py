"""REST front of the index: index jobs, hybrid search and statistics."""

from __future__ import annotations

import asyncio
import itertools
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from aiohttp import web
from pydantic import AfterValidator, BaseModel, Field

from server.http.errors import ApiError
from server.http.routing import SERVICES, RouteTable, services_of
from server.indexing.index_lock import IndexInUse
from server.indexing.progress import IndexStatus
from server.indexing.search import SearchResult, path_filter
from server.services import Services, Workspace

routes = RouteTable("rag", "Index jobs, hybrid code search and index statistics")


MAX_PATH_BYTES = 4096  # PATH_MAX on Linux
MAX_NAME_BYTES = 255  # NAME_MAX: the longest single path component


def _usable_path(text: str) -> str:
    """Refuse what the OS would fail on (ENAMETOOLONG, NUL) before any file system call."""
    encoded = os.fsencode(text)
    if b"\0" in encoded:
        raise ValueError("contains a NUL character")
    if len(encoded) > MAX_PATH_BYTES:
        raise ValueError(f"longer than {MAX_PATH_BYTES} bytes")
    if any(len(part) > MAX_NAME_BYTES for part in encoded.split(b"/")):
        raise ValueError(f"has a component longer than {MAX_NAME_BYTES} bytes")
    return text


def _glob(pattern: str) -> str:
    """A gitignore-style glob the search filter can compile (`!` alone, `\\` cannot)."""
    try:
        path_filter([pattern])
    except ValueError as exc:
        raise ValueError(f"not a valid gitignore-style glob: {exc}") from None
    return pattern


class IndexRequest(BaseModel):
    directory_path: Annotated[str, AfterValidator(_usable_path)] = Field(min_length=1)


class RagSearchRequest(BaseModel):
    query: str = Field(min_length=1, max_length=2000)
    k: int = Field(10, ge=1, le=100)
    paths: list[Annotated[str, AfterValidator(_glob)]] | None = None
    languages: list[str] | None = None
    group: bool = Field(
        False, description="one result per file (its best place): for 'which file' questions"
    )
    root: str | None = Field(
        None,
        max_length=MAX_PATH_BYTES,
        description="only this workspace root (as /api/v1/rag/stats names it); all when omitted",
    )


class IndexJobOut(BaseModel):
    job_id: str
    directory_path: str
    state: str
    error: str | None
    status: IndexStatus


class SearchOut(BaseModel):
    results: list[SearchResult]
    complete: bool
    warnings: list[str]


class ProgressOut(BaseModel):
    """The running phase (the same model as the CLI bar and LSP `$/progress`)."""

    phase: str = Field(description="scanning, keyword, loading_model, embedding or done")
    detail: str
    done: int
    total: int | None = Field(description="null while not known (walking, loading the model)")
    unit: str = Field(description="files, chunks, or empty while loading the model")
    rate: float = Field(description="units per second")
    eta_s: float | None
    elapsed_s: float = Field(description="seconds in this phase")
    percentage: int | None


class SkippedFileOut(BaseModel):
    path: str = Field(description="relative to the root; a folder ends in /")
    reason: str = Field(
        description="too large, binary, secret, ignored, unreadable, outside the root, failed"
    )
    detail: str


class SkippedOut(BaseModel):
    """Files left out of the index: all counted, the first 500 listed."""

    count: int
    by_reason: dict[str, int]
    files: list[SkippedFileOut]


class WorkspaceStatsOut(BaseModel):
    root: str
    files_total: int
    files_keyword_indexed: int
    files_embedded: int
    chunks: int
    chunks_embedded: int
    state: str
    phase: str
    files_per_s: float
    eta_s: float | None
    complete: bool
    warnings: list[str]
    progress: ProgressOut
    skipped: SkippedOut


class StatsOut(BaseModel):
    workspaces: list[WorkspaceStatsOut]


class JobPath(BaseModel):
    job_id: str = Field(min_length=1, max_length=100)


@dataclass
class IndexJob:
    """A requested (re)index of one root, followed until the index settles."""

    id: str
    workspace: Workspace
    state: str = "running"
    error: str = ""
    task: asyncio.Task[None] | None = field(default=None, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "job_id": self.id,
            "directory_path": str(self.workspace.root),
            "state": self.state,
            "error": self.error or None,
            "status": self.workspace.index.status().to_json(),
        }


def allow_listed(services: Services, directory: Path) -> bool:
    real = directory.resolve()
    return any(
        real.is_relative_to(Path(allowed).expanduser().resolve())
        for allowed in services.settings.index_allow_dirs
    )


JOBS = web.AppKey("auro_rag_jobs", dict)  # job id -> IndexJob
SERIAL: web.AppKey[itertools.count[int]] = web.AppKey("auro_rag_serial", itertools.count)


async def run(job: IndexJob) -> None:
    index = job.workspace.index
    try:
        await index.reindex()
        await index.wait_until_complete()
        job.state, job.error = ("failed", index.failure) if index.failure else ("done", "")
    except Exception as exc:  # reported through the job, never a crashed server
        job.state, job.error = "failed", str(exc)


@routes.post(
    "/api/v1/rag/index",
    body=IndexRequest,
    response=IndexJobOut,
    status=202,
    errors={
        403: "outside every workspace root and AURO_INDEX_ALLOW_DIRS",
        404: "no such directory",
        409: "another process writes that folder's index",
    },
    summary="Start (re)indexing a folder",
)
async def start_index(request: web.Request, body: IndexRequest) -> dict[str, Any]:
    services: Services = services_of(request)
    directory = Path(body.directory_path).expanduser()
    try:
        is_dir = directory.is_dir()
    except OSError as exc:  # e.g. `~` expanded past PATH_MAX, or no permission on a parent
        message = f"cannot be checked: {exc.strerror or exc}"
        raise ApiError(
            422,
            "invalid_request",
            f"invalid field(s): directory_path ({message})",
            [{"field": "directory_path", "message": message}],
        ) from None
    if not is_dir:
        raise ApiError(404, "not_found", f"no such directory: {directory}")
    workspace = services.workspace_for(directory)
    if workspace is None and allow_listed(services, directory):
        try:
            workspace = await services.add_workspace(directory)
        except IndexInUse as exc:  # another process writes that folder's index
            raise ApiError(409, "index_in_use", str(exc)) from None
    if workspace is None:
        raise ApiError(
            403,
            "outside_workspace",
            "only folders inside a workspace root or AURO_INDEX_ALLOW_DIRS can be indexed",
            {
                "workspace_roots": [str(w.root) for w in services.workspaces],
                "allowed_dirs": services.settings.index_allow_dirs,
            },
        )
    serial = request.app[SERIAL]
    job = IndexJob(f"job-{next(serial)}", workspace)
    job.task = asyncio.create_task(run(job))
    request.app[JOBS][job.id] = job
    return job.to_json()


@routes.get(
    "/api/v1/rag/index/{job_id}",
    path_model=JobPath,
    response=IndexJobOut,
    errors={404: "no such index job"},
    summary="An index job's state and the index's progress",
)
async def get_job(request: web.Request, path: JobPath) -> dict[str, Any]:
    job = request.app[JOBS].get(path.job_id)
    if job is None:
        raise ApiError(404, "not_found", "no such index job")
    return job.to_json()


@routes.post(
    "/api/v1/rag/search",
    body=RagSearchRequest,
    response=SearchOut,
    errors={404: "`root` is not one of the workspace roots"},
    summary="Hybrid (keyword + semantic) search of the workspaces' code",
)
async def search(request: web.Request, body: RagSearchRequest) -> dict[str, Any]:
    services: Services = services_of(request)
    targets = None
    if body.root is not None:
        targets = [w for w in services.workspaces if str(w.root) == body.root]
        if not targets:
            raise ApiError(
                404,
                "unknown_root",
                "root: not one of this server's workspace roots",
                {"workspace_roots": [str(w.root) for w in services.workspaces]},
            )
    outcome = await services.search(
        body.query, body.k, body.paths, body.languages, targets, group=body.group
    )
    return {
        "results": [f.result.to_json() for f in outcome.found],
        "complete": outcome.complete,
        "warnings": outcome.warnings,
    }


@routes.get("/api/v1/rag/stats", response=StatsOut, summary="Index statistics per workspace")
async def stats(request: web.Request) -> dict[str, Any]:
    services: Services = services_of(request)
    return {
        "workspaces": [
            {"root": str(w.root), **w.index.status().to_json()} for w in services.workspaces
        ]
    }


def add_routes(app: web.Application, services: Services) -> None:
    app[SERVICES] = services
    app[JOBS] = {}
    app[SERIAL] = itertools.count(1)
    routes.add_to(app)
