"""Helpers for driving the real server in chat tests."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp
from lsprotocol import types
from pygls.uris import from_fs_path
from pytest_lsp import LanguageClient

from server.lsp.params import to_plain
from tests.chat.conftest import AUTH


async def request(client: LanguageClient, method: str, params: Any, msg_id: str | None = None):
    """A custom request; the result as plain dicts and lists."""
    result = await client.protocol.send_request_async(method, params, msg_id=msg_id)
    return to_plain(result)


async def wait_indexed(client: LanguageClient, query: str, path: str, timeout: float = 60) -> None:
    """Until a keyword search for `query` finds `path` (the index is built in the background)."""
    async with asyncio.timeout(timeout):
        while True:
            found = await request(client, "auro/search", {"query": query, "k": 5})
            if any(r["path"] == path for r in found["results"]):
                return
            await asyncio.sleep(0.2)


def open_document(client: LanguageClient, path: Path, version: int = 1) -> str:
    uri = from_fs_path(str(path))
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=version, text=path.read_text()
            )
        )
    )
    return uri


def lsp_range(start: int, end: int, end_character: int = 0) -> dict[str, Any]:
    return {
        "start": {"line": start, "character": 0},
        "end": {"line": end, "character": end_character},
    }


async def rest(method: str, url: str, **kwargs: Any) -> tuple[int, Any]:
    async with aiohttp.ClientSession(headers=AUTH) as session:
        async with session.request(method, url, **kwargs) as response:
            return response.status, await response.json()
