"""`auro-pai chat`: one question, answered through a running server for the root when there
is one, else in this process (`chat_local`)."""

from __future__ import annotations

import argparse
import asyncio
import logging
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from server.cli.context import tool_settings
from server.cli.errors import USAGE_ERROR, CliError, existing_dir
from server.cli.output import echo_text, print_chat_end
from server.cli.remote import find_server, remote_chat
from server.config import Settings
from server.paths import workspace_data_path

if TYPE_CHECKING:
    from server.llm import ImagePart

log = logging.getLogger(__name__)


def read_images(paths: list[str], settings: Settings) -> tuple[ImagePart, ...]:
    """The `--image` files, checked as the server checks them; a CliError names the one
    refused. Imported only when asked for: the image types pull in the LLM layer."""
    if not paths:
        return ()
    from server.chat.images import ImageLimits, ImageRejected, images_from_files

    limits = ImageLimits.from_settings(settings)
    try:
        return images_from_files([Path(path).expanduser() for path in paths], limits)
    except ImageRejected as exc:
        raise CliError(
            f"--image: {exc}", "attach PNG, JPEG, GIF or WebP files within the limits", USAGE_ERROR
        ) from None


def run(args: argparse.Namespace) -> int:
    root = existing_dir(args.workspace, "--workspace", "auro-pai chat MESSAGE --workspace DIR")
    settings = tool_settings(args)
    if args.session is not None:
        from server.cli.sessions import open_session

        asyncio.run(open_session(settings, args.session, args.message, args.new_session))
    images = read_images(args.image or [], settings)
    server = find_server(root, settings.http_token, partial(workspace_data_path, settings))
    if server is not None:
        log.debug("chatting through the server at %s", server.url)
        on_text = None if args.json else echo_text
        urls = [image.data_url() for image in images]
        reply = remote_chat(server, args.message, args.session, not args.no_rag, on_text, urls)
        print_chat_end(reply, root, args.json)
        return 0 if reply["status"] == "completed" else 1
    from server.cli.chat_local import chat_in_terminal  # the LLM layer is slow to import

    return asyncio.run(
        chat_in_terminal(
            settings, root, args.message, args.session, not args.no_rag, args.json, images
        )
    )
