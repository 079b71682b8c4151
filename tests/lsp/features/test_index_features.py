"""End to end: search, symbols, index status, control commands and progress over LSP."""

from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pygls.uris import from_fs_path

from server.lsp import protocol
from server.lsp.params import to_plain
from tests.support.lsp_harness import lsp_session, server_env

FILES = {
    "geometry.py": (
        "import math\n\n\n"
        "def circle_area(radius):\n"
        "    # area of a circle from its radius\n"
        "    return math.pi * radius * radius\n\n\n"
        "class Vector:\n"
        "    def __init__(self, x, y):\n"
        "        self.x, self.y = x, y\n\n"
        "    def length(self):\n"
        "        return math.hypot(self.x, self.y)\n"
    ),
    "text/slug.py": (
        "import re\n\n\n"
        "def slugify(title):\n"
        "    # lower-case words joined by dashes for a URL\n"
        '    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")\n'
    ),
    "notes.md": "# Notes\n\nHow to deploy the service.\n",
}


@pytest.fixture
def repo(tmp_path):
    root = tmp_path / "repo"
    for rel, text in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


async def settled(client) -> dict:
    for _ in range(600):
        status = await client.protocol.send_request_async("auro/indexStatus", {})
        if status.complete:
            return status
        await asyncio.sleep(0.1)
    raise AssertionError(f"index did not complete: {status}")


async def test_search_returns_locations_and_retrievers(tmp_path, repo):
    async with lsp_session(server_env(tmp_path / "data"), [repo]) as (client, _):
        status = await settled(client)
        assert status.filesTotal == 3 and status.chunks >= 3
        assert protocol.IndexStatus.model_validate(to_plain(status)).roots[0].root == str(repo)

        result = await client.protocol.send_request_async(
            "auro/search", {"query": "turn a title into a url slug", "k": 3}
        )
        protocol.SearchResult.model_validate(to_plain(result))  # the contract, as sent
        top = result.results[0]
        assert top.path == "text/slug.py" and top.symbol == "slugify"
        assert top.location.uri == from_fs_path(str(repo / "text/slug.py"))
        assert top.location.range.start.line == top.startLine - 1
        assert set(top.retrievers) <= {"dense", "keyword"} and top.retrievers
        assert result.complete is True

        only_md = await client.protocol.send_request_async(
            "auro/search", {"query": "deploy", "languages": ["markdown"]}
        )
        assert [r.path for r in only_md.results] == ["notes.md"]

        query = {"query": "math of circles and vectors", "k": 10}
        every = await client.protocol.send_request_async("auro/search", query)
        by_file = await client.protocol.send_request_async("auro/search", {**query, "group": True})
        places = [r.path for r in every.results]
        files = [r.path for r in by_file.results]
        assert places.count("geometry.py") >= 2  # circle_area and Vector are two places
        assert len(files) == len(set(files)) and set(files) == set(places)


async def test_search_command_and_invalid_params(tmp_path, repo):
    async with lsp_session(server_env(tmp_path / "data"), [repo]) as (client, _):
        await settled(client)
        result = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="auro.search", arguments=["vector length"])
        )
        assert result["results"][0]["symbol"] in ("Vector", "Vector.length")

        with pytest.raises(JsonRpcInvalidParams) as info:
            await client.protocol.send_request_async("auro/search", {"query": "", "k": 3})
        assert "query" in str(info.value)
        # the server is still answering
        assert (await client.protocol.send_request_async("auro/indexStatus", {})).complete


async def test_index_status_carries_progress_and_skipped_files(tmp_path, repo):
    (repo / "blob.py").write_bytes(b"x = 1\n\x00\x01\x02" * 50)
    async with lsp_session(server_env(tmp_path / "data"), [repo]) as (client, _):
        status = await settled(client)
        root = protocol.IndexStatus.model_validate(to_plain(status)).roots[0]
        assert root.progress is not None and root.progress.phase == "done", root.progress
        assert root.progress.unit in ("files", "chunks", "")
        assert root.skipped.count == 1 and root.skipped.by_reason == {"binary": 1}
        assert [(f.path, f.reason) for f in root.skipped.files] == [("blob.py", "binary")]
        # camelCase on the wire, as the schema says
        wire = to_plain(status)["roots"][0]
        assert "elapsedS" in wire["progress"] and "byReason" in wire["skipped"]


async def test_workspace_symbol(tmp_path, repo):
    async with lsp_session(server_env(tmp_path / "data"), [repo]) as (client, _):
        await settled(client)
        symbols = await client.workspace_symbol_async(types.WorkspaceSymbolParams(query="Vector"))
        names = {s.name for s in symbols}
        assert "Vector.length" in names or "Vector" in names
        assert all(s.location.uri.endswith("geometry.py") for s in symbols)


async def test_progress_and_control_commands(tmp_path, repo):
    async with lsp_session(server_env(tmp_path / "data"), [repo]) as (client, _):
        await settled(client)
        reports = [v for values in client.progress_reports.values() for v in values]
        kinds = [v.kind for v in reports]
        assert "begin" in kinds and "end" in kinds
        assert any("files" in (v.message or "") for v in reports)
        # a work-done progress per phase, each begun and ended, its percentage only growing
        titles = {}
        for values in client.progress_reports.values():
            begin, end = values[0], values[-1]
            assert begin.kind == "begin" and end.kind == "end", values
            titles[begin.title] = values
            shown = [v.percentage for v in values[:-1] if v.percentage is not None]
            assert shown == sorted(shown), values
        assert any(t.endswith(": keyword pass") for t in titles), titles
        assert any(t.endswith(": embedding") for t in titles), titles
        assert all(t.startswith("Auro: indexing repo") for t in titles), titles

        paused = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="auro.pauseIndexing")
        )
        assert paused["state"] == "paused"
        resumed = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="auro.resumeIndexing")
        )
        assert resumed["state"] in ("idle", "indexing")
        await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="auro.reindex")
        )
        assert (await settled(client)).filesTotal == 3


async def test_saved_file_becomes_searchable(tmp_path, repo):
    async with lsp_session(server_env(tmp_path / "data"), [repo]) as (client, _):
        await settled(client)
        new = repo / "billing.py"
        new.write_text("def invoice_total(lines):\n    return sum(l.price for l in lines)\n")
        client.text_document_did_save(
            types.DidSaveTextDocumentParams(
                text_document=types.TextDocumentIdentifier(uri=from_fs_path(str(new)))
            )
        )
        for _ in range(100):
            result = await client.protocol.send_request_async(
                "auro/search", {"query": "invoice total", "k": 1}
            )
            if result.results and result.results[0].path == "billing.py":
                break
            await asyncio.sleep(0.1)
        assert result.results[0].path == "billing.py"
