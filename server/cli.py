"""`auro-pai`: the language server, the headless HTTP server and the command-line tools."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shlex
import sys
import traceback
from pathlib import Path

from server.cli_errors import USAGE_ERROR, CliError, existing_dir, int_in_range
from server.cli_output import echo_text, print_chat_end, print_search
from server.cli_remote import find_server, remote_chat, remote_search
from server.config import Settings, load_settings
from server.logs import FORMAT, configure, protect_stdout
from server.paths import restrict_new_files, workspace_data_path
from server.settings_model import SERVE_PORT
from server.settings_sources import ENV_FILE_VAR
from server.version import __version__

log = logging.getLogger(__name__)

INDEX_DB = "index.sqlite3"  # what `auro-pai index` leaves in the root's data folder
INTERNAL_ERROR = 70  # EX_SOFTWARE: a bug, not a user mistake


def run_lsp(args: argparse.Namespace) -> int:
    from server.lsp_server import create_server

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
        from server.rpc_guard import BoundedStdin

        rpc_out = protect_stdout()
        server.start_io(stdin=BoundedStdin(sys.stdin.buffer), stdout=rpc_out)
    return 0


def run_serve(args: argparse.Namespace) -> int:
    from server.serve import serve

    root = existing_dir(args.workspace, "--workspace", "auro-pai serve --workspace DIR")
    overrides = {
        k: v for k, v in {"http_host": args.host, "http_port": args.port}.items() if v is not None
    }
    settings, warnings = load_settings(("command line", overrides))
    configure(settings.log_level)
    for warning in warnings:
        log.warning(warning.message())
    return asyncio.run(serve(settings, root))


def run_doctor(args: argparse.Namespace) -> int:
    from server.doctor import doctor

    root = existing_dir(args.workspace, "--workspace", "auro-pai doctor --workspace DIR")
    settings, warnings = load_settings()
    configure("DEBUG" if debugging(args) else "WARNING")
    return asyncio.run(doctor(settings, warnings, root))


class NoTraceback(logging.Formatter):
    """Log lines without the traceback of a logged exception: a one-shot command reports
    what failed in one line; `--debug` shows the rest."""

    def format(self, record: logging.LogRecord) -> str:
        error = record.exc_info[1] if record.exc_info else None
        saved = record.exc_info, record.exc_text
        record.exc_info, record.exc_text = None, None
        try:
            text = super().format(record)
        finally:
            record.exc_info, record.exc_text = saved
        return text if error is None else f"{text} ({error})"


def tool_settings(args: argparse.Namespace) -> Settings:
    """Settings for the one-shot commands: warnings on stderr, quiet logging."""
    settings, warnings = load_settings()
    configure("DEBUG" if debugging(args) else "WARNING")
    if not debugging(args):
        for handler in logging.getLogger().handlers:
            if getattr(handler, "auro_stderr", False):
                handler.setFormatter(NoTraceback(FORMAT))
    for warning in warnings:
        log.warning(warning.message())
    return settings


def run_index(args: argparse.Namespace) -> int:
    from server.index_cli import index

    root = existing_dir(args.directory, "folder", "auro-pai index DIR (an existing folder)")
    return asyncio.run(index(tool_settings(args), root, args.json))


def indexed_data_dir(settings: Settings, root: Path) -> Path:
    """The root's folder in the data dir; a CliError when it was never indexed."""
    data_dir = workspace_data_path(settings, root)
    if not (data_dir / INDEX_DB).is_file():
        raise CliError(
            f"{root} has not been indexed yet",
            f"auro-pai index {shlex.quote(str(root))}",
        )
    return data_dir


def run_search(args: argparse.Namespace) -> int:
    root = existing_dir(args.workspace, "--workspace", "auro-pai search QUERY --workspace DIR")
    settings = tool_settings(args)
    data_dir = indexed_data_dir(settings, root)
    server = find_server(data_dir, root, settings.http_token)
    if server is not None:
        log.debug("searching through the server at %s", server.url)
        outcome = remote_search(server, args.query, args.k)
        print_search(outcome["results"], outcome["complete"], outcome["warnings"], args.json)
        return 0
    from server.index_cli import search

    return asyncio.run(search(settings, root, args.query, args.k, args.json))


def run_chat(args: argparse.Namespace) -> int:
    root = existing_dir(args.workspace, "--workspace", "auro-pai chat MESSAGE --workspace DIR")
    settings = tool_settings(args)
    if args.session is not None:
        from server.cli_sessions import open_session  # the session store pulls in the LLM layer

        asyncio.run(open_session(settings, args.session, args.message, args.new_session))
    server = find_server(workspace_data_path(settings, root), root, settings.http_token)
    if server is not None:
        log.debug("chatting through the server at %s", server.url)
        reply = remote_chat(
            server, args.message, args.session, not args.no_rag, None if args.json else echo_text
        )
        print_chat_end(reply, root, args.json)
        return 0 if reply["status"] == "completed" else 1
    from server.chat.terminal import chat_in_terminal

    return asyncio.run(
        chat_in_terminal(settings, root, args.message, args.session, not args.no_rag, args.json)
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
    lsp.set_defaults(run=run_lsp)

    serve = commands.add_parser(
        "serve", parents=[common], help="run the HTTP API headless, without LSP"
    )
    serve.add_argument("--workspace", required=True, help="workspace root to serve")
    serve.add_argument("--host", help="bind address (default 127.0.0.1)")
    serve.add_argument("--port", type=PORT, help=f"port (default {SERVE_PORT}; 0 = any free port)")
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
    search.add_argument(
        "-k", type=int_in_range(1, 100), default=10, help="number of results (1-100)"
    )
    search.add_argument("--json", action="store_true", help="print results as JSON")
    search.set_defaults(run=run_search)

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
    chat.add_argument("--json", action="store_true", help="print the result as one JSON object")
    chat.set_defaults(run=run_chat)

    config = commands.add_parser("config", parents=[common], help="print the effective settings")
    config.add_argument("--example", action="store_true", help="print .env.example")
    config.set_defaults(run=run_config)
    return parser


def debugging(args: argparse.Namespace) -> bool:
    return args.debug or os.environ.get("LOG_LEVEL", "").upper() == "DEBUG"


def main(argv: list[str] | None = None) -> int:
    """Run one command; user mistakes end with a message and a fix, not a traceback."""
    restrict_new_files()  # the data dir holds code, chats and tokens: the user's alone
    args = build_parser().parse_args(argv)
    debug = debugging(args)
    try:
        use_env_file(args.env_file)
        return args.run(args)
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


if __name__ == "__main__":
    sys.exit(main())
