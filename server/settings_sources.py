"""Where settings files may come from: only places the user owns, never the working directory.

A repository is untrusted input and editors start the server inside it, so a `.env` in the
working directory (or anywhere in a workspace) is never read. Files are read from the
user's config directory (`settings.toml`, then `.env`) and from one explicit file named by
`--env-file` / `AURO_ENV_FILE`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dotenv import dotenv_values
from platformdirs import user_config_path

APP = "auro-pai"
ENV_FILE_VAR = "AURO_ENV_FILE"
USER_FILES = ("settings.toml", ".env")


@dataclass(frozen=True)
class SettingsFile:
    """One settings file: its path and how it is named in provenance ("user file", "env file")."""

    path: Path
    kind: str

    @property
    def label(self) -> str:
        return f"{self.kind} {self.path}"


def user_config_dir() -> Path:
    """The user's own config directory (`$XDG_CONFIG_HOME/auro-pai` on Linux)."""
    return user_config_path(APP, appauthor=False)


def settings_files(env: Mapping[str, str]) -> tuple[list[SettingsFile], list[str]]:
    """The files to read, lowest precedence first, and problems to report.

    User files that do not exist are simply skipped; an explicit env file that does not
    exist is reported, because the user asked for it. `AURO_ENV_FILE` must be absolute: a
    relative one would name a different file in every repository the server starts in.
    """
    config_dir = user_config_dir()
    files = [
        SettingsFile(config_dir / name, "user file")
        for name in USER_FILES
        if (config_dir / name).is_file()
    ]
    problems: list[str] = []
    explicit = env.get(ENV_FILE_VAR, "").strip()
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_absolute():
            problems.append(f"{ENV_FILE_VAR}={explicit}: not an absolute path; not read")
        elif path.is_file():
            files.append(SettingsFile(path, "env file"))
        else:
            problems.append(f"{ENV_FILE_VAR}={explicit}: no such file; not read")
    return files, problems


def read_settings_file(path: Path) -> dict[str, Any]:
    """Key/value pairs of a `.env` or flat TOML file; raises ValueError if it cannot be parsed."""
    if path.suffix == ".toml":
        try:
            with path.open("rb") as handle:
                data = tomllib.load(handle)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ValueError(str(exc)) from exc
        section = data.get("auro", data)
        return dict(section) if isinstance(section, dict) else {}
    try:
        values = dotenv_values(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(str(exc)) from exc
    return {k: v for k, v in values.items() if v is not None}
