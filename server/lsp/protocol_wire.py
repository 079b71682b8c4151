"""The base of the editor protocol's models: camelCase on the wire, and the LSP shapes
(positions, ranges, locations) several messages share. Re-exported by `server.lsp.protocol`."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class Wire(BaseModel):
    """camelCase on the wire; Python code may use either name when building a model."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        json_schema_serialization_defaults_required=True,  # results send every field
    )

    def wire(self) -> dict[str, Any]:
        """The JSON object sent to the client."""
        return self.model_dump(mode="json", by_alias=True)


# -- LSP shapes (0-based lines, as LSP has them) --------------------------------------------


class Position(Wire):
    line: int
    character: int


class Range(Wire):
    start: Position
    end: Position


class Location(Wire):
    uri: str
    range: Range
