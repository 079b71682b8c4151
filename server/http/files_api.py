"""Read one workspace file, for the web UI's code view of a citation.

Only what the index itself may read is served: the path must lie inside an open workspace
root (symlinks resolved), pass the same rules as indexing (secret files and folders, ignore
files, default excludes), stay under `AURO_MAX_FILE_BYTES` and be UTF-8 text. Everything
else is refused with a reason, so a workspace can never turn this into a way out.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from aiohttp import web
from pydantic import BaseModel, Field

from server.http.errors import ApiError
from server.http.routing import SERVICES, RouteTable, services_of
from server.indexing.chunking.languages import detect_language
from server.secret_rules import HARD_LINK, is_hard_link
from server.services import Services, Workspace

routes = RouteTable("files", "Workspace files as text, confined to the roots (secrets refused)")


class FileQuery(BaseModel):
    path: str = Field(
        min_length=1,
        max_length=600,
        pattern=r"^[^\x00]+$",
        description="absolute, or relative to a workspace root (the first root holding it)",
    )


class FileOut(BaseModel):
    root: str
    path: str  # relative to `root`, POSIX separators
    language: str | None
    size: int
    line_count: int
    text: str


def _lexical(path: str) -> Path:
    """`path` made absolute and normalised without touching the disk (`..` collapsed)."""
    return Path(os.path.normpath(Path(path).expanduser()))


def _candidates(services: Services, raw: str) -> list[tuple[Workspace, Path]]:
    """(workspace, path) pairs to try: the one root an absolute path is in, else each root."""
    if Path(raw).expanduser().is_absolute():
        path = _lexical(raw)
        inside = [w for w in services.workspaces if path.is_relative_to(w.root)]
        best = max(inside, key=lambda w: len(w.root.parts), default=None)
        return [] if best is None else [(best, path)]
    pairs = [(w, _lexical(str(w.root / raw))) for w in services.workspaces]
    return [(w, path) for w, path in pairs if path.is_relative_to(w.root)]


def _refusal(workspace: Workspace, path: Path) -> ApiError | None:
    """Why the index's rules forbid reading `path` (None = allowed), checked on both the
    name asked for and the file it resolves to."""
    discovery = workspace.index.discovery
    real = path.resolve()
    if not real.is_relative_to(workspace.root):
        return ApiError(403, "outside_workspace", "the file resolves outside the workspace root")
    for rel in dict.fromkeys((path.relative_to(workspace.root), real.relative_to(workspace.root))):
        reason = discovery.path_excluded(rel.as_posix())
        if reason is not None:
            code = "secret_file" if reason.startswith("secret") else "excluded_file"
            return ApiError(403, code, f"{rel.as_posix()} is not readable here: {reason}")
    if is_hard_link(real):
        return ApiError(403, "secret_file", f"{path.name} is not readable here: {HARD_LINK}")
    return None


def _read(workspace: Workspace, path: Path) -> FileOut:
    """The checks that touch the file, then its text; raises ApiError."""
    settings_cap = workspace.index.discovery.max_file_bytes
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise ApiError(404, "not_found", "not a regular file")
        if size > settings_cap:
            raise ApiError(
                413,
                "file_too_large",
                f"the file has {size} bytes; files over AURO_MAX_FILE_BYTES ({settings_cap}) "
                "are neither indexed nor shown",
            )
        data = path.read_bytes()[: settings_cap + 1]
    except OSError as exc:
        raise ApiError(404, "not_found", f"cannot read the file: {exc.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(415, "not_text", "the file is not UTF-8 text") from None
    if "\0" in text:
        raise ApiError(415, "not_text", "the file is binary")
    rel = path.relative_to(workspace.root).as_posix()
    return FileOut(
        root=str(workspace.root),
        path=rel,
        language=detect_language(rel),
        size=len(data),
        line_count=text.count("\n") + (0 if text.endswith("\n") or not text else 1),
        text=text,
    )


def read_workspace_file(services: Services, raw: str) -> FileOut:
    """The file `raw` names, if the rules allow it (blocking: run it in a thread)."""
    candidates = _candidates(services, raw)
    if not candidates:
        raise ApiError(
            403,
            "outside_workspace",
            "the path is not inside an open workspace root",
            {"workspace_roots": [str(w.root) for w in services.workspaces]},
        )
    for workspace, path in candidates:
        try:
            refused = _refusal(workspace, path)
            if refused is not None:
                raise refused
            if path.exists():
                return _read(workspace, path)
        except (OSError, RuntimeError) as exc:  # a name too long, a symlink loop...
            raise ApiError(404, "not_found", f"cannot read the file: {exc}") from None
    raise ApiError(404, "not_found", f"no such file in the workspace: {raw}")


@routes.get(
    "/api/v1/files",
    query=FileQuery,
    response=FileOut,
    errors={
        403: "outside every workspace root, or a secret / excluded file",
        404: "no such file",
        413: "larger than AURO_MAX_FILE_BYTES",
        415: "not UTF-8 text",
    },
    summary="A workspace file's text (what a citation points at)",
)
async def get_file(request: web.Request, query: FileQuery) -> FileOut:
    """The same rules as indexing decide what may be read: secrets, ignored files, files
    over the size cap and binary files are refused, and so is anything outside the roots."""
    return await asyncio.to_thread(read_workspace_file, services_of(request), query.path)


def add_routes(app: web.Application, services: Services) -> None:
    app[SERVICES] = services
    routes.add_to(app)
