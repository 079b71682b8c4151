"""Indexing progress as LSP work-done progress (`$/progress` begin / report / end)."""

from __future__ import annotations

import asyncio
import itertools
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lsprotocol import types

from server.indexing.progress import ProgressEvent
from server.lsp.language_feature import LanguageFeature
from server.services import Workspace

if TYPE_CHECKING:
    from server.lsp.server import AuroLanguageServer

log = logging.getLogger(__name__)
_serial = itertools.count(1)


def describe(event: ProgressEvent) -> str:
    text = f"{event.phase}: {event.files_done}/{event.files_total} files"
    if event.files_per_s:
        text += f", {event.files_per_s:.1f} files/s"
    if event.eta_s:
        text += f", ETA {event.eta_s:.0f}s"
    return text


@dataclass
class RootProgress:
    """One root's progress bar: created on the first event, ended on `end`."""

    ls: AuroLanguageServer
    workspace: Workspace
    token: str | None = None
    queue: asyncio.Queue[ProgressEvent] = field(default_factory=asyncio.Queue)

    async def pump(self) -> None:
        while True:
            event = await self.queue.get()
            try:
                await self.show(event)
            except Exception:  # a client that refuses progress must not stop indexing
                log.debug("progress report failed", exc_info=True)

    async def show(self, event: ProgressEvent) -> None:
        progress = self.ls.work_done_progress
        if self.token is None:
            if event.kind == "end":
                return
            self.token = f"auro-index-{next(_serial)}"
            await progress.create_async(self.token)
            progress.begin(
                self.token,
                types.WorkDoneProgressBegin(
                    title=f"Auro: indexing {self.workspace.root.name}",
                    message=describe(event),
                    percentage=event.percentage,
                    cancellable=False,
                ),
            )
        elif event.kind == "end":
            progress.end(self.token, types.WorkDoneProgressEnd(message=describe(event)))
            self.token = None
        else:
            progress.report(
                self.token,
                types.WorkDoneProgressReport(message=describe(event), percentage=event.percentage),
            )


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
