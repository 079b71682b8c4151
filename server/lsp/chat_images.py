"""Images named by `auro/chat` as file URIs: confined to the workspace roots like every path a
client names, never a credential file, and checked as REST checks them (type from the
bytes, count and size limits). A refusal is InvalidParams with the reason."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from pygls.exceptions import JsonRpcInvalidParams

from server.chat.images import ImageLimits, ImageRejected, check_count, image_from_file
from server.config import Settings
from server.llm import ImagePart
from server.lsp.editor_code import path_of
from server.secret_rules import is_secret_path
from server.workspace_files import PathRefused, confine


def read_image(path: Path, roots: Sequence[Path], limits: ImageLimits) -> ImagePart:
    root = confine(path, roots)
    if is_secret_path(path, root):
        raise PathRefused(f"{path.name} is a credential file (secret rules)")
    return image_from_file(path, limits)


async def chat_images(
    uris: Sequence[str], roots: Sequence[Path], settings: Settings
) -> tuple[ImagePart, ...]:
    """The images, read off the event loop; InvalidParams names the one refused."""
    limits = ImageLimits.from_settings(settings)
    try:
        check_count(uris, limits)
        return tuple(
            [await asyncio.to_thread(read_image, path_of(uri), roots, limits) for uri in uris]
        )
    except (ImageRejected, PathRefused) as exc:
        raise JsonRpcInvalidParams(f"auro/chat images: {exc}") from None
