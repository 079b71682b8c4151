"""User mistakes on the command line: what is wrong, the command that fixes it, an exit code.

The top-level handler in `server.cli` prints these without a traceback; `--debug` (or
LOG_LEVEL=DEBUG) adds one for bug reports.
"""

from __future__ import annotations

import argparse
from pathlib import Path

USAGE_ERROR = 2  # argparse's own code for a bad command line
FAILED = 1


class CliError(Exception):
    """A problem the user can fix; `fix` is the command or step that fixes it."""

    def __init__(self, message: str, fix: str = "", code: int = FAILED) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix
        self.code = code

    def render(self) -> str:
        text = f"auro-pai: error: {self.message}\n"
        return text + (f"  fix: {self.fix}\n" if self.fix else "")


def existing_dir(value: str, what: str, fix: str) -> Path:
    """`value` as a directory, or a CliError naming what was expected."""
    path = Path(value).expanduser()
    if not path.exists():
        raise CliError(f"{what} {value}: no such directory", fix, USAGE_ERROR)
    if not path.is_dir():
        raise CliError(f"{what} {value}: not a directory", fix, USAGE_ERROR)
    return path.resolve()


def int_in_range(low: int, high: int):
    """An argparse `type` that rejects out-of-range values with the range in the message
    (the REST API's limits, so the CLI and the API accept the same values)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is out of range ({low} to {high})")
        return value

    return parse
