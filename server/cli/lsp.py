"""`auro-pai lsp`: the language server over stdio, or TCP with `--tcp`."""

from __future__ import annotations

import argparse
import sys

from server.cli.errors import CliError
from server.config import load_settings
from server.logs import configure, protect_stdout


def run(args: argparse.Namespace) -> int:
    from server.lsp.server import create_server

    settings, _ = load_settings()  # warnings are shown to the client at initialize
    configure(settings.log_level)
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
        server.start_io(stdin=BoundedStdin(sys.stdin.buffer), stdout=rpc_out)
    return 0
