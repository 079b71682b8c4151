"""What the commands share: settings with logging set up for the command, the `--debug`
switch and the check that a root has been indexed."""

from __future__ import annotations

import argparse
import logging
import os
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from server.cli.errors import CliError
from server.config import ConfigWarning, Settings, load_settings
from server.logs import FORMAT, configure
from server.paths import workspace_data_path

log = logging.getLogger(__name__)

INDEX_DB = "index.sqlite3"  # what `auro-pai index` leaves in the root's data folder


def debugging(args: argparse.Namespace) -> bool:
    return args.debug or os.environ.get("LOG_LEVEL", "").upper() == "DEBUG"


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


def command_settings(
    args: argparse.Namespace,
    *layers: tuple[str, Mapping[str, Any]],
    quiet: bool = True,
    report: bool = True,
) -> tuple[Settings, list[ConfigWarning]]:
    """Load the settings and set up logging for one command.

    `quiet` (the one-shot commands): warnings only, one line each; `--debug` shows all,
    with tracebacks. Otherwise (the servers) LOG_LEVEL applies. `report` logs the
    configuration warnings; without it the caller shows them its own way."""
    settings, warnings = load_settings(*layers)
    if not quiet:
        configure(settings.log_level)
    else:
        configure("DEBUG" if debugging(args) else "WARNING")
        if not debugging(args):
            for handler in logging.getLogger().handlers:
                if getattr(handler, "auro_stderr", False):
                    handler.setFormatter(NoTraceback(FORMAT))
    if report:
        for warning in warnings:
            log.warning(warning.message())
    return settings, warnings


def tool_settings(args: argparse.Namespace) -> Settings:
    """Settings for the one-shot commands: warnings on stderr, quiet logging."""
    return command_settings(args)[0]


def indexed_data_dir(settings: Settings, root: Path) -> Path:
    """The root's folder in the data dir; a CliError when it was never indexed."""
    data_dir = workspace_data_path(settings, root)
    if not (data_dir / INDEX_DB).is_file():
        raise CliError(
            f"{root} has not been indexed yet",
            f"auro-pai index {shlex.quote(str(root))}",
        )
    return data_dir
