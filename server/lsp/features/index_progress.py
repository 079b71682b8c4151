"""Indexing progress as LSP work-done progress (`$/progress` begin / report / end)."""

from __future__ import annotations

import asyncio
import itertools
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lsprotocol import types

from server.indexing.progress import PHASE_TITLES, Phase, ProgressEvent
from server.lsp.language_feature import LanguageFeature
from server.services import Workspace

if TYPE_CHECKING:
    from server.lsp.server import AuroLanguageServer

log = logging.getLogger(__name__)
_serial = itertools.count(1)


@dataclass
class RootProgress:
    """One root's progress: a work-done progress per phase (scanning, keyword pass, model
    loading, embedding), so each percentage only grows and a phase without a total shows
    as indeterminate; reported at least once a second while the index works."""

    ls: AuroLanguageServer
    workspace: Workspace
    token: str | None = None
    phase: Phase | None = None
    queue: asyncio.Queue[ProgressEvent] = field(default_factory=asyncio.Queue)

    async def pump(self) -> None:
        while True:
            event = await self.queue.get()
            try:
                await self.show(event)
            except Exception:  # a client that refuses progress must not stop indexing
                log.debug("progress report failed", exc_info=True)

    async def show(self, event: ProgressEvent) -> None:
        progress = event.progress
        if event.kind == "end" or progress.phase == "done":
            if event.kind == "end":
                self.finish(_summary(event))
            return
        if self.token is not None and progress.phase == self.phase:
            self.ls.work_done_progress.report(
                self.token,
                types.WorkDoneProgressReport(
                    message=progress.details(), percentage=progress.percentage
                ),
            )
            return
        self.finish(f"{PHASE_TITLES[self.phase]} done" if self.phase else None)
        self.token, self.phase = f"auro-index-{next(_serial)}", progress.phase
        await self.ls.work_done_progress.create_async(self.token)
        self.ls.work_done_progress.begin(
            self.token,
            types.WorkDoneProgressBegin(
                title=f"Auro: indexing {self.workspace.root.name}: {PHASE_TITLES[progress.phase]}",
                message=progress.details(),
                percentage=progress.percentage,
                cancellable=False,
            ),
        )

    def finish(self, message: str | None) -> None:
        if self.token is not None:
            self.ls.work_done_progress.end(self.token, types.WorkDoneProgressEnd(message=message))
        self.token, self.phase = None, None


def _summary(event: ProgressEvent) -> str:
    status = event.status
    text = "index complete" if status.complete else "indexing stopped"
    text += f": {status.files_total} files, {status.chunks} chunks"
    if status.skipped.count:
        text += f" ({status.skipped.summary()})"
    return text


class IndexProgress(LanguageFeature):
    """One progress bar per root, for clients that show work-done progress."""

    def __init__(self, server: AuroLanguageServer) -> None:
        self.server = server
        self.tasks: list[asyncio.Task[None]] = []

    def attach(self, workspace: Workspace) -> None:
        root = RootProgress(self.server, workspace)
        workspace.index.add_progress_listener(root.queue.put_nowait)
        self.tasks.append(asyncio.get_running_loop().create_task(root.pump()))

    async def initialized(self, params: types.InitializedParams) -> None:
        window = self.server.client_capabilities.window
        if not (window and window.work_done_progress):
            return
        for workspace in self.server.services.workspaces:
            self.attach(workspace)
        self.server.services.workspace_listeners.append(self.attach)

    def shutdown(self) -> None:
        for task in self.tasks:
            task.cancel()


def setup(server: AuroLanguageServer) -> None:
    server.add_feature(IndexProgress(server))
