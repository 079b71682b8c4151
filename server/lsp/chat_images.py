"""Images named by `auro/chat` as file URIs: confined to the workspace roots like every path a
client names, never a credential file, and checked as REST checks them (type from the
bytes, count and size limits). A refusal is InvalidParams with the reason."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from pygls.exceptions import JsonRpcInvalidParams

from server.chat.images import ImageLimits, ImageRejected, images_from_files
from server.config import Settings
from server.llm import ImagePart
from server.lsp.editor_code import path_of
from server.secret_rules import is_secret_path
from server.workspace_files import PathRefused, confine


async def chat_images(
    uris: Sequence[str], roots: Sequence[Path], settings: Settings
) -> tuple[ImagePart, ...]:
    """The images, read off the event loop in one go; InvalidParams names the one refused."""
    if not uris:
        return ()

    def allowed(path: Path) -> None:
        if is_secret_path(path, confine(path, roots)):
            raise PathRefused(f"{path.name} is a credential file (secret rules)")

    paths = [path_of(uri) for uri in uris]
    limits = ImageLimits.from_settings(settings)
    try:
        return await asyncio.to_thread(images_from_files, paths, limits, allowed)
    except (ImageRejected, PathRefused) as exc:
        raise JsonRpcInvalidParams(f"auro/chat images: {exc}") from None
