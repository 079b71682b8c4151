"""Settings as text: `.env.example` and the `auro-pai config` listing with provenance.

Both print `.env` syntax (never Python reprs) so the output can be copied into a settings
file; secrets are masked wherever settings are shown.
"""

from __future__ import annotations

from typing import Any

from server.config import Resolved
from server.settings_model import SECRETS, WORKSPACE_SAFE, Settings, env_name
from server.settings_sources import user_config_dir

MASK = "********"


def env_value(value: Any) -> str:
    """A value as `.env` syntax: lists comma-joined, booleans lower case, None empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value)


def env_example() -> str:
    """The text of `.env.example`: every setting, its default and its meaning."""
    lines = [
        "# Auro-PAI settings. Copy to the user config directory (~/.config/auro-pai/.env on",
        "# Linux; `auro-pai config` prints the path) or pass it with --env-file / AURO_ENV_FILE.",
        "# A .env in the working directory or a repository is never read. Environment",
        "# variables override files. [user-only] keys cannot be set by a workspace.",
        "",
    ]
    for name, field in Settings.model_fields.items():
        scope = "" if name in WORKSPACE_SAFE else " [user-only]"
        lines.append(f"# {field.description}{scope}")
        lines.append(f"{field.validation_alias}={env_value(field.default)}")
        lines.append("")
    return "\n".join(lines)


def _quoted(text: str) -> str:
    """Quote a value that `.env` parsers would otherwise cut at whitespace or `#`."""
    if not any(c in text for c in " \t#'\"\\"):
        return text
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def shown_value(field: str, value: Any) -> str:
    """The value as it may be printed: secrets masked, `.env` syntax."""
    if field in SECRETS:
        return MASK if value else ""
    return _quoted(env_value(value))


def config_listing(resolved: Resolved) -> str:
    """Every effective value in `.env` syntax, each preceded by the source it came from."""
    lines = [
        f"# user config directory: {user_config_dir()}",
        "# a .env in the working directory or a repository is never read",
        "",
    ]
    values = resolved.settings.model_dump()
    for field in Settings.model_fields:
        lines.append(f"# from {resolved.origin(field)}")
        lines.append(f"{env_name(field)}={shown_value(field, values[field])}")
    return "\n".join(lines) + "\n"
