"""`auro-pai chat`: one question, answered through a running server for the root when there
is one, else in this process (`chat_local`)."""

from __future__ import annotations

import argparse
import asyncio
import logging

from server.cli.context import tool_settings
from server.cli.errors import existing_dir
from server.cli.output import echo_text, print_chat_end
from server.cli.remote import find_server, remote_chat
from server.paths import workspace_data_path

log = logging.getLogger(__name__)


def run(args: argparse.Namespace) -> int:
    root = existing_dir(args.workspace, "--workspace", "auro-pai chat MESSAGE --workspace DIR")
    settings = tool_settings(args)
    if args.session is not None:
        from server.cli.sessions import open_session

        asyncio.run(open_session(settings, args.session, args.message, args.new_session))
    server = find_server(workspace_data_path(settings, root), root, settings.http_token)
    if server is not None:
        log.debug("chatting through the server at %s", server.url)
        reply = remote_chat(
            server, args.message, args.session, not args.no_rag, None if args.json else echo_text
        )
        print_chat_end(reply, root, args.json)
        return 0 if reply["status"] == "completed" else 1
    from server.cli.chat_local import chat_in_terminal  # the LLM layer is slow to import

    return asyncio.run(
        chat_in_terminal(settings, root, args.message, args.session, not args.no_rag, args.json)
    )
