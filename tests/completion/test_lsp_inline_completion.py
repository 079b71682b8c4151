"""`textDocument/inlineCompletion` and `auro/inlineCompletion` end to end: the real
`auro-pai lsp` process against the fake llama-server `/infill` and OpenAI `/v1/completions`."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcRequestCancelled
from pygls.uris import from_fs_path
from pytest_lsp import LanguageClient

from server.lsp.params import to_plain
from tests.completion.secret_values import AWS_KEY, ENV_SECRET
from tests.fakes.common import Hang, Reply, fake_tokens
from tests.fakes.openai_server import FakeOpenAIServer
from tests.support.lsp_harness import lsp_session, server_env

RING = "from geometry import circle_area\n\n\ndef ring_area(outer, inner):\n    return "


def env_for(data_dir: Path, llamacpp: list[FakeOpenAIServer], openai: FakeOpenAIServer | None):
    providers = ["llamacpp"] if llamacpp else []
    extra: dict[str, str] = {"LLAMACPP_SERVER_URL": ",".join(f.url for f in llamacpp)}
    if openai is not None:
        providers.append("openai")
        extra.update(OPENAI_BASE_URL=f"{openai.url}/v1", OPENAI_API_KEY="test")
    return server_env(data_dir, AURO_LLM_PROVIDERS=",".join(providers), **extra)


def open_buffer(client: LanguageClient, path: Path, text: str) -> str:
    uri = from_fs_path(str(path))
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=1, text=text
            )
        )
    )
    return uri


def end_of(text: str) -> dict[str, int]:
    lines = text.split("\n")
    return {"line": len(lines) - 1, "character": len(lines[-1])}


async def auro_inline(client: LanguageClient, uri: str, text: str, **kw: Any) -> dict[str, Any]:
    params = {"textDocument": {"uri": uri}, "position": end_of(text), "context": {"triggerKind": 2}}
    result = await client.protocol.send_request_async("auro/inlineCompletion", params, **kw)
    return to_plain(result)


async def wait_indexed(client: LanguageClient, query: str, path: str) -> None:
    """Until a search for `query` finds `path` (the index is built in the background)."""
    found: Any = None
    try:
        async with asyncio.timeout(120):
            while True:
                found = to_plain(
                    await client.protocol.send_request_async("auro/search", {"query": query})
                )
                if any(r["path"] == path for r in found["results"]):
                    return
                await asyncio.sleep(0.2)
    except TimeoutError:
        raise AssertionError(f"{path} not indexed; last search: {found}") from None


async def test_items_ranges_index_context_cache_and_cancel(
    fake_openai: FakeOpenAIServer, repo: Path, tmp_path: Path
):
    fake_openai.reply_text = "circle_area(outer) - circle_area(inner)\n\nprint('done')"
    async with lsp_session(env_for(tmp_path / "data", [fake_openai], None), [repo]) as (
        client,
        _,
    ):
        await wait_indexed(client, "circle_area", "geometry.py")
        uri = open_buffer(client, repo / "rings.py", RING)  # unsaved: not on disk at all
        position = types.Position(**end_of(RING))
        result = await client.protocol.send_request_async(
            types.TEXT_DOCUMENT_INLINE_COMPLETION,
            types.InlineCompletionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=position,
                context=types.InlineCompletionContext(
                    trigger_kind=types.InlineCompletionTriggerKind.Automatic
                ),
            ),
        )
        [item] = result.items
        assert item.insert_text == "circle_area(outer) - circle_area(inner)"  # one line only
        assert (item.range.start.line, item.range.start.character) == (4, 11)
        assert item.range.start == item.range.end

        [sent] = fake_openai.requests
        assert sent["input_prefix"] == RING and sent["input_suffix"] == ""
        assert sent["cache_prompt"] is True and sent["stop"] == ["\n"]
        assert sent["n_predict"] > 0 and sent["t_max_predict_ms"] > 0
        extra = [(c["filename"], c["text"]) for c in sent["input_extra"]]
        assert any(f == "geometry.py" and "def circle_area(radius)" in t for f, t in extra)
        assert all(f != "rings.py" for f, _ in extra)  # the edited file is in the window

        # typing through the suggestion is answered from the cache: no second request
        typed = RING + "circle_"
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=typed)],
            )
        )
        cached = await auro_inline(client, uri, typed)
        assert cached["cached"] is True
        assert [i["insertText"] for i in cached["items"]] == ["area(outer) - circle_area(inner)"]
        assert cached["items"][0]["range"]["start"] == end_of(typed)
        assert len(fake_openai.requests) == 1

        # a keystroke's $/cancelRequest closes the upstream request at once
        fake_openai.push(Hang(headers_sent=False))
        other = typed + "area(outer) + "
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=3),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=other)],
            )
        )
        pending = asyncio.ensure_future(auro_inline(client, uri, other, msg_id="inline-1"))
        async with asyncio.timeout(10):
            while len(fake_openai.requests) < 2:
                await asyncio.sleep(0.01)
        cancelled_at = time.monotonic()
        client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="inline-1"))
        with pytest.raises(JsonRpcRequestCancelled):
            await pending
        assert await fake_openai.wait_for_disconnects(1, timeout=2)
        assert time.monotonic() - cancelled_at < 2
        assert fake_openai.completed == 1


async def test_secrets_never_reach_the_provider(
    fake_openai: FakeOpenAIServer, repo: Path, tmp_path: Path
):
    fake_openai.reply_text = "circle_area(radius)"
    async with lsp_session(env_for(tmp_path / "data", [fake_openai], None), [repo]) as (
        client,
        _,
    ):
        await wait_indexed(client, "circle_area", "geometry.py")
        text = "def circle_area_twice(radius):\n    return 2 * "
        uri = open_buffer(client, repo / "twice.py", text)
        answer = await auro_inline(client, uri, text)
        assert answer["items"] and answer["provider"] == "llamacpp"
        assert "geometry.py" in answer["contextFiles"]

        # a buffer holding a key: no request at all, and the answer says why
        keyed = f'KEY = "{AWS_KEY}"\ndef circle_area_key():\n    return '
        secret_uri = open_buffer(client, repo / "keyed.py", keyed)
        refused = await auro_inline(client, secret_uri, keyed)
        assert refused["items"] == [] and "credential" in " ".join(refused["notes"])
        # a credential file open in the editor: likewise
        env_text = f"CIRCLE_AREA_PASSWORD={ENV_SECRET}\nOTHER="
        env_uri = open_buffer(client, repo / "deploy.env", env_text)
        assert (await auro_inline(client, env_uri, env_text))["items"] == []

        # edits to both, naming what the next completion uses: never sent as recent edits
        for edited_uri, edited in ((secret_uri, keyed), (env_uri, env_text)):
            client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(uri=edited_uri, version=2),
                    content_changes=[
                        types.TextDocumentContentChangeWholeDocument(
                            text=edited + "circle_area_twice(radius)\n"
                        )
                    ],
                )
            )
        again = text + "circle_area_twice(radius) + "
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=again)],
            )
        )
        later = await auro_inline(client, uri, again)
        assert any("withheld" in note for note in later["notes"])  # keyed.py's edit
        assert "keyed.py" not in later["contextFiles"]

        sent = json.dumps(fake_openai.requests)
        assert len(fake_openai.requests) == 2
        assert AWS_KEY not in sent and ENV_SECRET not in sent
        assert "cloud.py" not in sent and "deploy.env" not in sent and "keyed.py" not in sent


async def test_loading_and_fim_less_providers_are_skipped_without_waiting(
    fake_openai: FakeOpenAIServer, fake_openai_2: FakeOpenAIServer, repo: Path, tmp_path: Path
):
    async with FakeOpenAIServer(fim=False, model_path="/models/chat.gguf") as no_fim:
        loading = fake_openai
        loading.loading = True
        hosted = fake_openai_2
        hosted.push(Reply(text="math.pi * radius ** 2\nmore"))
        env = env_for(tmp_path / "data", [loading, no_fim], hosted)
        async with lsp_session(env, [repo]) as (client, _):
            text = "import math\n\ndef disc(radius):\n    return "
            uri = open_buffer(client, repo / "disc.py", text)
            started = time.monotonic()
            answer = await auro_inline(client, uri, text)
            assert time.monotonic() - started < 5  # no load wait (AURO_LLM_LOAD_WAIT is 120 s)
            assert answer["provider"] == "openai"
            assert [i["insertText"] for i in answer["items"]] == ["math.pi * radius ** 2"]
            notes = " ".join(answer["notes"])
            assert "Loading model" in notes and "no FIM" in notes
            assert loading.loading_refusals == 1 and loading.health_calls == 0
            [sent] = hosted.requests
            assert sent["prompt"].endswith(text) and sent["suffix"] == ""
            assert sent["model"] and sent["max_tokens"] > 0

            # the FIM-less server is set aside, not asked on every keystroke
            second = text + "2 * "
            client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
                    content_changes=[types.TextDocumentContentChangeWholeDocument(text=second)],
                )
            )
            await auro_inline(client, uri, second)
            assert len(no_fim.requests) == 1 and len(hosted.requests) == 2


async def test_recent_edits_of_another_buffer_are_context_costed_by_the_tokenizer(
    fake_openai: FakeOpenAIServer, repo: Path, tmp_path: Path
):
    """An incremental `didChange` to one buffer reaches the model as context for another,
    named relative to the root, and the answer says what the context cost in tokens."""
    env = env_for(tmp_path / "data", [fake_openai], None)
    async with lsp_session(env, [repo]) as (client, _):
        await wait_indexed(client, "circle_area", "geometry.py")  # the root is open
        shapes = "import math\n\n\n"
        shapes_uri = open_buffer(client, repo / "pkg" / "shapes.py", shapes)
        added = "def annulus_area(outer, inner):\n    return math.pi * (outer**2 - inner**2)\n"
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=shapes_uri, version=2),
                content_changes=[
                    types.TextDocumentContentChangePartial(
                        range=types.Range(
                            start=types.Position(line=3, character=0),
                            end=types.Position(line=3, character=0),
                        ),
                        text=added,
                    )
                ],
            )
        )
        text = "def washer(outer, inner, depth):\n    return depth * annulus_"
        uri = open_buffer(client, repo / "washer.py", text)
        answer = await auro_inline(client, uri, text)
        [sent] = fake_openai.requests
        recent = [c for c in sent["input_extra"] if c["filename"] == "pkg/shapes.py"]
        assert recent and "def annulus_area(outer, inner):" in recent[0]["text"], (
            answer["contextFiles"],
            [c["filename"] for c in sent["input_extra"]],
        )
        assert "pkg/shapes.py" in answer["contextFiles"]
        assert fake_openai.tokenize_calls >= 1
        costs = [len(fake_tokens(f"{c['filename']}\n{c['text']}")) + 1 for c in sent["input_extra"]]
        if answer["contextTokensEstimated"]:  # /tokenize missed its 200 ms on a loaded host
            assert any("tokenizer" in note for note in answer["notes"])
        else:  # the usual case; test_service.py checks the exact path without a deadline
            assert answer["contextTokens"] == sum(costs)
