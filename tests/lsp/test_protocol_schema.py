"""docs/protocol.schema.json is generated from server/lsp/protocol.py and up to date, the
wire is camelCase everywhere, and every `auro/*` method or `auro.*` command the LSP layer
names is in the contract."""

from __future__ import annotations

import json
import re
from pathlib import Path

from server.lsp.protocol import METHODS
from server.lsp.protocol_schema import SCHEMA_PATH, main, render

LSP_DIR = Path(__file__).resolve().parents[2] / "server" / "lsp"
NOT_METHODS = {"auro.suggestion"}  # the change-annotation id of suggested edits


def test_committed_schema_is_up_to_date() -> None:
    assert SCHEMA_PATH.read_text() == render(), "run: python -m server.lsp.protocol_schema"
    assert main(["--check"]) == 0


def test_every_method_points_at_its_definitions() -> None:
    schema = json.loads(SCHEMA_PATH.read_text())
    defs = schema["$defs"]
    assert set(schema["x-methods"]) == set(METHODS)
    for name, method in schema["x-methods"].items():
        for part in ("params", "result"):
            ref = method[part]
            if ref is not None:
                assert ref["$ref"].removeprefix("#/$defs/") in defs, (name, part)
    assert schema["x-methods"]["auro/chat"]["result"] == {"$ref": "#/$defs/ChatResult"}


def test_wire_names_are_camel_case() -> None:
    defs = json.loads(SCHEMA_PATH.read_text())["$defs"]
    names = {(d, p) for d, body in defs.items() for p in body.get("properties", {})}
    assert ("ChatResult", "sessionId") in names and ("SearchHit", "startLine") in names
    snake = sorted(f"{d}.{p}" for d, p in names if "_" in p)
    assert not snake, f"snake_case on the wire: {snake}"


def test_every_method_the_lsp_layer_names_is_in_the_contract() -> None:
    named: set[str] = set()
    for path in LSP_DIR.rglob("*.py"):
        named |= set(re.findall(r"""["'](auro[/.][A-Za-z]+)["']""", path.read_text()))
    assert "auro/chat" in named and "auro.reindex" in named
    missing = sorted(named - set(METHODS) - NOT_METHODS)
    assert not missing, f"not in server/lsp/protocol.py METHODS: {missing}"
