"""The editor clients against docs/protocol.schema.json: the VS Code extension's protocol.ts
interfaces and the Neovim plugin's field use name only fields the server declares, so the
server and its clients cannot drift apart unnoticed."""

from __future__ import annotations

import json
import re
from pathlib import Path

from server.lsp.protocol_schema import SCHEMA_PATH
from tests.lsp.client_fields import (
    lua_problems,
    lua_uses,
    ts_constants,
    ts_interfaces,
    ts_problems,
)

REPO = Path(__file__).resolve().parents[2]
PROTOCOL_TS = REPO / "editors" / "vscode" / "src" / "core" / "protocol.ts"
LUA_DIR = REPO / "editors" / "neovim" / "lua" / "auro"

# the messages each client reads or sends; a client that stops declaring one fails here
TS_TYPES = {
    "ChatParams",
    "ChatResult",
    "ChatChunk",
    "CodeCitation",
    "WebCitation",
    "ServerStatus",
    "HttpInfo",
    "WorkspaceInfo",
    "SearchParams",
    "SearchResult",
    "SearchHit",
    "IndexStatus",
    "RootIndexStatus",
    "Location",
    "Range",
    "Position",
    "InlineCompletionParams",
    "InlineContext",
    "InlineItem",
    "InlineCompletionResult",
    "TextDocumentId",
}
LUA_TYPES = {
    "ChatParams",
    "ChatResult",
    "ChatChunk",
    "CodeCitation",
    "WebCitation",
    "ServerStatus",
    "HttpInfo",
    "SearchParams",
    "SearchResult",
    "SearchHit",
    "IndexStatus",
    "RootIndexStatus",
    "RejectedData",
    "InlineCompletionParams",
    "InlineCompletionResult",
    "InlineItem",
}


def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text())


def test_vscode_interfaces_match_the_schema() -> None:
    defs = schema()["$defs"]
    interfaces = ts_interfaces(PROTOCOL_TS.read_text())
    assert TS_TYPES <= set(interfaces), TS_TYPES - set(interfaces)
    assert not ts_problems(defs, interfaces)
    assert interfaces["SearchHit"].fields["startLine"] is False


def test_vscode_method_and_command_names_are_in_the_schema() -> None:
    methods = schema()["x-methods"]
    source = PROTOCOL_TS.read_text()
    names = ts_constants(source, "Methods") + ts_constants(source, "ServerCommands")
    assert "auro/chat" in names and "auro.reindex" in names
    assert set(names) <= set(methods), set(names) - set(methods)


def test_neovim_field_use_matches_the_schema() -> None:
    defs = schema()["$defs"]
    uses = [
        u for path in sorted(LUA_DIR.glob("*.lua")) for u in lua_uses(path.read_text(), path.name)
    ]
    covered = {t for u in uses for t in u.types}
    assert LUA_TYPES <= covered, LUA_TYPES - covered
    assert sum(len(u.chains) for u in uses) >= 40  # the annotations really cover the reads
    assert not lua_problems(defs, uses)


def test_neovim_method_and_command_names_are_in_the_schema() -> None:
    methods = schema()["x-methods"]
    names = {
        n
        for path in LUA_DIR.glob("*.lua")
        # module names (`require('auro.lsp')`) are not methods
        for n in re.findall(r"""(?<!require\()['"](auro[/.][A-Za-z]+)['"]""", path.read_text())
    }
    assert {
        "auro/chat",
        "auro/search",
        "auro/indexStatus",
        "auro/inlineCompletion",
        "auro.reindex",
    } <= names
    assert names <= set(methods), names - set(methods)


def test_the_checks_catch_drift() -> None:
    """The same checks on clients that still speak snake_case, or read a field that does
    not exist, report each mistake."""
    defs = schema()["$defs"]
    ts = """
export interface SearchHit {
  path: string;
  start_line: number;
  score: number;
  location?: Location;
}
"""
    assert ts_problems(defs, ts_interfaces(ts)) == [
        "SearchHit.start_line: not in the schema",
    ]
    lua = """
---@param result auro.ChatResult
local function finish(result)
  local a = result.sessionId .. result.session_id
  if result.citations[1] then
    return result.usage.promptTokens, result.notices
  end
end

---@param c auro.CodeCitation|auro.WebCitation
local function cite(c)
  return c.range.start.line, c.range.begin, c.url, c.href
end

---@type auro.ChatParams
local params = { message = 'q', sessionId = nil, include_rag = true, range = { start = 1 } }
params.workDoneToken = 1
"""
    assert lua_problems(defs, lua_uses(lua, "x.lua")) == [
        "x.lua:2: result.session_id is not in ChatResult",
        "x.lua:10: c.range.begin is not in CodeCitation|WebCitation",
        "x.lua:10: c.href is not in CodeCitation|WebCitation",
        "x.lua:15: params.include_rag is not in ChatParams",
    ]
