"""How a setting is declared: its env name, its doc and its trust markers, in one call."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, JsonValue
from pydantic_settings import NoDecode

CsvList = Annotated[list[str], NoDecode]


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def setting(
    default: Any,
    env: str,
    doc: str,
    *,
    workspace: bool = False,
    secret: bool = False,
    **constraints: Any,
) -> Any:
    """A field readable as its env name, its field name or camelCase; `doc` feeds .env.example.

    `workspace=True` marks the few keys a workspace may set (tuning, toggles); every other
    key is user-only, so a field added later is protected unless someone decides otherwise.
    `secret=True` marks values that are masked wherever settings are shown.
    """
    extra: dict[str, JsonValue] = {"workspace": workspace, "secret": secret}
    return Field(
        default, description=doc, validation_alias=env, json_schema_extra=extra, **constraints
    )
