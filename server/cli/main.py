"""`auro-pai`: the language server, the headless HTTP server and the command-line tools."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from pathlib import Path

from server.cli.context import debugging
from server.cli.errors import USAGE_ERROR, CliError, int_in_range
from server.paths import restrict_new_files
from server.settings_model import SERVE_PORT
from server.settings_sources import ENV_FILE_VAR
from server.version import __version__

INTERNAL_ERROR = 70  # EX_SOFTWARE: a bug, not a user mistake


DEBUG_HELP = "show tracebacks for errors (also LOG_LEVEL=DEBUG)"
PORT = int_in_range(0, 65535)


def use_env_file(value: str | None) -> None:
    """`--env-file PATH` is `AURO_ENV_FILE=PATH` for this process, so every settings load
    in it (CLI, LSP initialize, configuration reloads) reads the same file."""
    if value is None:
        return
    path = Path(value).expanduser()
    if not path.is_file():
        raise CliError(
            f"--env-file {value}: no such file",
            "give an existing file, or leave out --env-file",
            USAGE_ERROR,
        )
    os.environ[ENV_FILE_VAR] = str(path.resolve())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="auro-pai", description=__doc__)
    parser.add_argument("--version", action="version", version=f"auro-pai {__version__}")
    env_file_help = f"read settings from this file too (same as {ENV_FILE_VAR})"
    parser.add_argument("--env-file", metavar="PATH", help=env_file_help)
    parser.add_argument("--debug", action="store_true", help=DEBUG_HELP)
    # accepted after the command too; SUPPRESS keeps a value given before it
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--env-file", metavar="PATH", default=argparse.SUPPRESS, help=env_file_help)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=DEBUG_HELP)
    commands = parser.add_subparsers(dest="command", required=True)

    lsp = commands.add_parser(
        "lsp", parents=[common], help="run the language server (stdio by default)"
    )
    lsp.add_argument("--tcp", action="store_true", help="listen on TCP instead of stdio")
    lsp.add_argument(
        "--host", default="127.0.0.1", help="TCP address to listen on (default 127.0.0.1)"
    )
    lsp.add_argument("--port", type=PORT, default=2087, help="TCP port (default 2087)")

    serve = commands.add_parser(
        "serve", parents=[common], help="run the HTTP API headless, without LSP"
    )
    serve.add_argument("--workspace", required=True, help="workspace root to serve")
    serve.add_argument("--host", help="bind address (default 127.0.0.1)")
    serve.add_argument("--port", type=PORT, help=f"port (default {SERVE_PORT}; 0 = any free port)")

    doctor = commands.add_parser(
        "doctor", parents=[common], help="check what is configured, reachable, missing"
    )
    doctor.add_argument("--workspace", default=".", help="workspace root to check")

    index = commands.add_parser(
        "index", parents=[common], help="index a folder and wait until it is complete"
    )
    index.add_argument("directory")
    index.add_argument("--json", action="store_true", help="print the final status as JSON")

    search = commands.add_parser(
        "search", parents=[common], help="hybrid search of an indexed folder"
    )
    search.add_argument("query")
    search.add_argument("--workspace", default=".", help="workspace root (default: .)")
    search.add_argument(
        "-k", type=int_in_range(1, 100), default=10, help="number of results (1-100)"
    )
    search.add_argument("--json", action="store_true", help="print results as JSON")
    search.add_argument(
        "--by-file", action="store_true", help="one result per file (its best place)"
    )

    chat = commands.add_parser(
        "chat", parents=[common], help="ask one question; the answer streams to stdout"
    )
    chat.add_argument("message")
    chat.add_argument("--workspace", default=".", help="workspace root (default: .)")
    chat.add_argument("--session", help="continue this chat session id (it must exist)")
    chat.add_argument(
        "--new-session",
        action="store_true",
        help="start a new session (under the --session id when one is given)",
    )
    chat.add_argument("--no-rag", action="store_true", help="do not search the workspace")
    chat.add_argument(
        "--image",
        action="append",
        metavar="PATH",
        help="attach an image (PNG, JPEG, GIF or WebP) for a model that sees; repeatable",
    )
    chat.add_argument("--json", action="store_true", help="print the result as one JSON object")

    mcp = commands.add_parser(
        "mcp", parents=[common], help="serve the index to coding agents over MCP (stdio)"
    )
    mcp.add_argument("--workspace", default=".", help="workspace root (default: .)")

    config = commands.add_parser("config", parents=[common], help="print the effective settings")
    config.add_argument("--example", action="store_true", help="print .env.example")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; user mistakes end with a message and a fix, not a traceback."""
    restrict_new_files()  # the data dir holds code, chats and tokens: the user's alone
    args = build_parser().parse_args(argv)
    debug = debugging(args)
    try:
        use_env_file(args.env_file)
        # each command's module is imported only when it runs: some pull in slow imports
        command = importlib.import_module(f"server.cli.{args.command}")
        return command.run(args)
    except CliError as exc:
        if debug:
            traceback.print_exc()
        sys.stderr.write(exc.render())
        return exc.code
    except KeyboardInterrupt:
        sys.stderr.write("auro-pai: interrupted\n")
        return 130
    except Exception as exc:
        if debug:
            traceback.print_exc()
        sys.stderr.write(
            f"auro-pai: internal error: {type(exc).__name__}: {exc}\n"
            "  this is a bug; run the command again with --debug and report the traceback\n"
        )
        return INTERNAL_ERROR
