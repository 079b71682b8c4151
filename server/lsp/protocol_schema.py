"""The JSON Schema of the editor protocol, generated from `server.lsp.protocol`.

`python -m server.lsp.protocol_schema` rewrites docs/protocol.schema.json; with `--check`
it exits 1 when the committed file is out of date (tests/lsp/test_protocol_schema.py runs
the same comparison in `make test`).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from server.lsp.protocol import ERROR_DATA, METHODS

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs" / "protocol.schema.json"
REF = "#/$defs/{model}"


def build_schema() -> dict[str, Any]:
    """`$defs` holds every model; `x-methods` maps each method or command to the
    definitions of its params and result (params as the server accepts them, results and
    notifications as it sends them); `x-error-data` names the models sent as error data."""
    wanted: list[tuple[type[BaseModel], JsonSchemaMode]] = []
    for method in METHODS.values():
        if method.params is not None:
            mode: JsonSchemaMode = (
                "serialization" if method.kind == "notification" else "validation"
            )
            wanted.append((method.params, mode))
        if method.result is not None:
            wanted.append((method.result, "serialization"))
    wanted += [(model, "serialization") for model in ERROR_DATA]
    refs, schema = models_json_schema(wanted, by_alias=True, ref_template=REF)

    def ref(model: type[BaseModel] | None, mode: JsonSchemaMode) -> dict[str, Any] | None:
        return None if model is None else refs[(model, mode)]

    methods = {
        name: {
            "kind": m.kind,
            "description": m.doc,
            "params": ref(m.params, "serialization" if m.kind == "notification" else "validation"),
            "result": ref(m.result, "serialization"),
        }
        for name, m in METHODS.items()
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Auro-PAI editor protocol",
        "description": "Generated from server/lsp/protocol.py; see docs/protocol.md.",
        "x-methods": methods,
        "x-error-data": [refs[(model, "serialization")] for model in ERROR_DATA],
        "$defs": schema.get("$defs", {}),
    }


def render() -> str:
    return json.dumps(build_schema(), indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the file is out of date")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = SCHEMA_PATH.read_text() if SCHEMA_PATH.exists() else ""
        if current != text:
            print(f"{SCHEMA_PATH} is out of date: run python -m server.lsp.protocol_schema")
            return 1
        return 0
    SCHEMA_PATH.write_text(text)
    print(f"wrote {SCHEMA_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
