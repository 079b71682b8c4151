"""`auro-pai lsp`: the language server over stdio, or TCP with `--tcp`."""

from __future__ import annotations

import argparse
import sys
from typing import BinaryIO, cast

from server.cli.context import command_settings
from server.cli.errors import CliError
from server.logs import protect_stdout, stderr_for_editor


def run(args: argparse.Namespace) -> int:
    from server.lsp.server import create_server

    command_settings(args, quiet=False, report=False)  # warnings go to the client at initialize
    server = create_server()
    if args.tcp:
        try:
            server.start_tcp(args.host, args.port)
        except OSError as exc:
            raise CliError(
                f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}",
                "choose another address: auro-pai lsp --tcp --host HOST --port PORT",
            ) from exc
    else:
        from server.lsp.rpc_guard import BoundedStdin

        rpc_out = protect_stdout()
        stderr_for_editor()  # INFO lines go as window/logMessage (server/logs.py)
        # pygls reads stdin only through readline() and read(), which BoundedStdin bounds
        stdin = cast(BinaryIO, BoundedStdin(sys.stdin.buffer))
        server.start_io(stdin=stdin, stdout=rpc_out)
    return 0
