"""`auro-pai`: the language server, the headless HTTP server and the command-line tools."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

from server.config import load_settings
from server.logs import configure, protect_stdout
from server.paths import restrict_new_files
from server.settings_sources import ENV_FILE_VAR
from server.version import __version__

log = logging.getLogger(__name__)


def run_lsp(args: argparse.Namespace) -> int:
    from server.lsp_server import create_server

    settings, _ = load_settings()  # warnings are shown to the client at initialize
    configure(settings.log_level)
    server = create_server()
    if args.tcp:
        server.start_tcp(args.host, args.port)
    else:
        from server.rpc_guard import BoundedStdin

        rpc_out = protect_stdout()
        server.start_io(stdin=BoundedStdin(sys.stdin.buffer), stdout=rpc_out)
    return 0


def run_serve(args: argparse.Namespace) -> int:
    from server.serve import serve

    overrides = {k: v for k, v in {"http_host": args.host, "http_port": args.port}.items() if v}
    settings, warnings = load_settings(("command line", overrides))
    configure(settings.log_level)
    for warning in warnings:
        log.warning(warning.message())
    return asyncio.run(serve(settings, Path(args.workspace)))


def run_doctor(args: argparse.Namespace) -> int:
    from server.doctor import doctor

    settings, warnings = load_settings()
    configure("WARNING")
    return asyncio.run(doctor(settings, warnings, Path(args.workspace)))


def run_index(args: argparse.Namespace) -> int:
    from server.index_cli import index

    settings, warnings = load_settings()
    configure("WARNING")
    for warning in warnings:
        log.warning(warning.message())
    return asyncio.run(index(settings, Path(args.directory), args.json))


def run_search(args: argparse.Namespace) -> int:
    from server.index_cli import search

    settings, warnings = load_settings()
    configure("WARNING")
    for warning in warnings:
        log.warning(warning.message())
    return asyncio.run(search(settings, Path(args.workspace), args.query, args.k, args.json))


def run_chat(args: argparse.Namespace) -> int:
    from server.chat.terminal import chat_in_terminal

    settings, warnings = load_settings()
    configure("WARNING")
    for warning in warnings:
        log.warning(warning.message())
    return asyncio.run(
        chat_in_terminal(
            settings, Path(args.workspace), args.message, args.session, not args.no_rag, args.json
        )
    )


def run_config(args: argparse.Namespace) -> int:
    from server.config import resolve_settings
    from server.settings_view import config_listing, env_example

    if args.example:
        sys.stdout.write(env_example())
        return 0
    resolved = resolve_settings()
    for warning in resolved.warnings:
        sys.stderr.write(warning.message() + "\n")
    sys.stdout.write(config_listing(resolved))
    return 0


def use_env_file(value: str | None) -> None:
    """`--env-file PATH` is `AURO_ENV_FILE=PATH` for this process, so every settings load
    in it (CLI, LSP initialize, configuration reloads) reads the same file."""
    if value is None:
        return
    path = Path(value).expanduser()
    if not path.is_file():
        sys.stderr.write(f"auro-pai: --env-file {value}: no such file\n")
        raise SystemExit(2)
    os.environ[ENV_FILE_VAR] = str(path.resolve())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="auro-pai", description=__doc__)
    parser.add_argument("--version", action="version", version=f"auro-pai {__version__}")
    env_file_help = f"read settings from this file too (same as {ENV_FILE_VAR})"
    parser.add_argument("--env-file", metavar="PATH", help=env_file_help)
    # accepted after the command too; SUPPRESS keeps a value given before it
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--env-file", metavar="PATH", default=argparse.SUPPRESS, help=env_file_help)
    commands = parser.add_subparsers(dest="command", required=True)

    lsp = commands.add_parser(
        "lsp", parents=[common], help="run the language server (stdio by default)"
    )
    lsp.add_argument("--tcp", action="store_true", help="listen on TCP instead of stdio")
    lsp.add_argument("--host", default="127.0.0.1")
    lsp.add_argument("--port", type=int, default=2087)
    lsp.set_defaults(run=run_lsp)

    serve = commands.add_parser(
        "serve", parents=[common], help="run the HTTP API headless, without LSP"
    )
    serve.add_argument("--workspace", required=True, help="workspace root to serve")
    serve.add_argument("--host", help="bind address (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default 8000; 0 = any free port)")
    serve.set_defaults(run=run_serve)

    doctor = commands.add_parser(
        "doctor", parents=[common], help="check what is configured, reachable, missing"
    )
    doctor.add_argument("--workspace", default=".", help="workspace root to check")
    doctor.set_defaults(run=run_doctor)

    index = commands.add_parser(
        "index", parents=[common], help="index a folder and wait until it is complete"
    )
    index.add_argument("directory")
    index.add_argument("--json", action="store_true", help="print the final status as JSON")
    index.set_defaults(run=run_index)

    search = commands.add_parser(
        "search", parents=[common], help="hybrid search of an indexed folder"
    )
    search.add_argument("query")
    search.add_argument("--workspace", default=".", help="workspace root (default: .)")
    search.add_argument("-k", type=int, default=10, help="number of results")
    search.add_argument("--json", action="store_true", help="print results as JSON")
    search.set_defaults(run=run_search)

    chat = commands.add_parser(
        "chat", parents=[common], help="ask one question; the answer streams to stdout"
    )
    chat.add_argument("message")
    chat.add_argument("--workspace", default=".", help="workspace root (default: .)")
    chat.add_argument("--session", help="continue this chat session id")
    chat.add_argument("--no-rag", action="store_true", help="do not search the workspace")
    chat.add_argument("--json", action="store_true", help="print the result as one JSON object")
    chat.set_defaults(run=run_chat)

    config = commands.add_parser("config", parents=[common], help="print the effective settings")
    config.add_argument("--example", action="store_true", help="print .env.example")
    config.set_defaults(run=run_config)
    return parser


def main(argv: list[str] | None = None) -> int:
    restrict_new_files()  # the data dir holds code, chats and tokens: the user's alone
    args = build_parser().parse_args(argv)
    use_env_file(args.env_file)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
