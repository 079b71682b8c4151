"""One typed settings model and the layered loader that never lets bad config kill the server.

Sources, lowest first: defaults, the user's settings files (`settings.toml` and `.env` in
the user config directory, then `--env-file` / `AURO_ENV_FILE`), environment variables,
LSP `initializationOptions`, the client's `auro` configuration section (workspace-safe keys
only), command-line flags. Nothing in the working directory is read: a repository is
untrusted input. Every key may be spelled as its environment variable (`CHUNK_SIZE`), its
field name (`chunk_size`) or in camelCase (`chunkSize`). A value that fails validation is
reported and the previous layer's value is kept.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

# Settings is imported from here across the code base
from server.settings_fields import camel
from server.settings_model import SECRETS, WORKSPACE_SAFE, Settings, env_name
from server.settings_sources import (
    ENV_FILE_VAR,
    SettingsFile,
    read_settings_file,
    settings_files,
)


def _spellings() -> dict[str, str]:
    """Map every accepted spelling (lower-cased) of every key to its field name."""
    names: dict[str, str] = {}
    for name in Settings.model_fields:
        env = env_name(name)
        for spelling in (name, env, camel(name), camel(env.lower())):
            names[spelling.lower()] = name
    return names


SPELLINGS = _spellings()


@dataclass(frozen=True)
class ConfigWarning:
    """An ignored configuration value: which key, what was given, what is kept.

    `detail` replaces the standard sentence for problems that are not one invalid value
    (an unreadable file, keys refused from a workspace).
    """

    key: str
    value: Any
    kept: Any
    reason: str
    detail: str = ""

    def message(self) -> str:
        if self.detail:
            return f"Auro: {self.detail}"
        field = SPELLINGS.get(self.key.split()[0].lower())
        value, kept = ("***", "***") if field in SECRETS else (repr(self.value), repr(self.kept))
        return f"Auro: invalid {self.key}={value} ({self.reason}); keeping {kept}"


def normalize(raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Map user spellings to field names; return (known values, unknown keys)."""
    known: dict[str, Any] = {}
    unknown: list[str] = []
    for key, value in raw.items():
        field = SPELLINGS.get(str(key).lower())
        if field is None:
            unknown.append(str(key))
        else:
            known[field] = value
    return known, unknown


def apply_layer(
    base: Settings,
    raw: Mapping[str, Any],
    source: str,
    fallback: Settings | None = None,
    origins: dict[str, str] | None = None,
) -> tuple[Settings, list[ConfigWarning]]:
    """Overlay one source on `base`; a key that fails validation keeps its `fallback` value
    (the settings in force, when reloading) or else its `base` value. Accepted keys are
    recorded in `origins` as coming from `source`."""
    values, _ = normalize(raw)
    accepted = base.model_dump()
    keep = (fallback or base).model_dump()
    warnings: list[ConfigWarning] = []
    for field, value in values.items():
        trial = {**accepted, field: value}
        try:
            accepted = Settings.model_validate(trial).model_dump()
        except ValidationError as exc:
            reason = exc.errors()[0]["msg"]
            accepted = Settings.model_validate({**accepted, field: keep[field]}).model_dump()
            warnings.append(
                ConfigWarning(f"{env_name(field)} ({source})", value, keep[field], reason)
            )
        else:
            if origins is not None:
                origins[field] = source
    return Settings.model_validate(accepted), warnings


def workspace_layer(raw: Mapping[str, Any], trusted: Settings) -> tuple[dict[str, Any], list[str]]:
    """Split a workspace-level answer into the keys it may set and the sensitive keys it tried
    to change (as environment names). A sensitive key repeating the trusted value (or null) is
    dropped quietly: clients that send one table both ways are not attacking."""
    safe: dict[str, Any] = {}
    refused: list[str] = []
    for key, value in raw.items():
        field = SPELLINGS.get(str(key).lower())
        if field is None or field in WORKSPACE_SAFE:
            safe[key] = value
            continue
        if value is None:  # "not set here": changes nothing
            continue
        try:
            same = getattr(Settings.model_validate({field: value}), field) == getattr(
                trusted, field
            )
        except ValidationError:
            same = False
        if not same:
            refused.append(env_name(field))
    return safe, sorted(set(refused))


def refused_warning(refused: list[str], source: str) -> ConfigWarning:
    names = ", ".join(refused)
    return ConfigWarning(
        names,
        None,
        None,
        "user-level setting",
        detail=f"ignored {names} from {source}: endpoints, keys, paths and the HTTP API are "
        "set only in user settings (environment, the user config file, --env-file, or the "
        "editor's user settings passed as initializationOptions)",
    )


def _defaults() -> Settings:
    """Defaults only: no environment, no files (pydantic-settings sources bypassed)."""
    return Settings.model_construct()


@dataclass(frozen=True)
class Resolved:
    """The settings, the problems found, and which source each non-default value came from."""

    settings: Settings
    warnings: list[ConfigWarning]
    origins: dict[str, str]

    def origin(self, field: str) -> str:
        return self.origins.get(field, "default")


def resolve_settings(
    *layers: tuple[str, Mapping[str, Any]],
    env: Mapping[str, str] | None = None,
    files: Sequence[Path] | None = None,
    fallback: Settings | None = None,
) -> Resolved:
    """Build settings from defaults, the user's files, the environment, then each layer.

    `files` replaces the discovered user files (tests pass `[]` to be independent of the
    machine). `fallback` is the configuration in force when reloading: invalid new values
    keep it.
    """
    environ = dict(os.environ if env is None else env)
    warnings: list[ConfigWarning] = []
    if files is None:
        found, problems = settings_files(environ)
        warnings.extend(ConfigWarning(ENV_FILE_VAR, None, None, p, detail=p) for p in problems)
    else:
        found = [SettingsFile(Path(f), "env file") for f in files]
    sources: list[tuple[str, Mapping[str, Any]]] = []
    for file in found:
        try:
            sources.append((file.label, read_settings_file(file.path)))
        except ValueError as exc:
            detail = f"cannot read {file.label}: {exc}; not used"
            warnings.append(ConfigWarning(str(file.path), None, None, str(exc), detail=detail))
    sources.append(("environment", {k: v for k, v in environ.items() if k.lower() in SPELLINGS}))
    sources.extend(layers)
    settings = _defaults()
    origins: dict[str, str] = {}
    for source, values in sources:
        settings, layer_warnings = apply_layer(settings, values, source, fallback, origins)
        warnings.extend(layer_warnings)
    return Resolved(settings, warnings, origins)


def load_settings(
    *layers: tuple[str, Mapping[str, Any]],
    env: Mapping[str, str] | None = None,
    files: Sequence[Path] | None = None,
    fallback: Settings | None = None,
) -> tuple[Settings, list[ConfigWarning]]:
    """`resolve_settings` for callers that need only the settings and the warnings."""
    resolved = resolve_settings(*layers, env=env, files=files, fallback=fallback)
    return resolved.settings, resolved.warnings
