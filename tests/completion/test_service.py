"""The completion service on its own, against the fake servers: failover, breakers, settings."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from server.completion import CompletionInput, CompletionService
from server.config import Settings
from server.indexing.multi_root import MultiSearch
from tests.completion.secret_values import AWS_KEY
from tests.fakes.common import Fail, Reply, fake_tokens
from tests.fakes.openai_server import FakeOpenAIServer


async def no_index(query: str, k: int, retrievers: Sequence[str]) -> MultiSearch:
    return MultiSearch([], True, [])


def at_end(text: str, language: str = "python") -> CompletionInput:
    return CompletionInput(Path("/w/a.py"), language, text, "\n")


def settings(**values: object) -> Settings:
    base: dict[str, object] = {"llm_providers": ["llamacpp"], "openai_api_key": ""}
    return Settings(**{**base, **values})


async def test_a_failing_endpoint_is_skipped_and_counted_by_its_breaker(
    fake_openai: FakeOpenAIServer, fake_openai_2: FakeOpenAIServer
):
    fake_openai.push(Fail(500, "boom"))
    fake_openai_2.push(Reply(text="radius * 2\n"))
    urls = f"{fake_openai.url},{fake_openai_2.url}"
    service = CompletionService(settings(llamacpp_server_url=urls), no_index)
    try:
        outcome = await service.complete(at_end("def d(radius):\n    return "))
        assert outcome.text == "radius * 2" and outcome.provider == "llamacpp"
        assert any("boom" in note for note in outcome.notes)
        assert service.endpoints[0].breaker.failures == 1
        assert service.endpoints[1].breaker.failures == 0
    finally:
        await service.aclose()


async def test_off_and_per_language_off_send_nothing(fake_openai: FakeOpenAIServer):
    service = CompletionService(
        settings(
            llamacpp_server_url=fake_openai.url, inline_completion_disabled_languages="markdown"
        ),
        no_index,
    )
    try:
        outcome = await service.complete(at_end("# Title\n", "markdown"))
        assert outcome.text == "" and "markdown" in outcome.notes[0]
        service.apply_settings(
            settings(llamacpp_server_url=fake_openai.url, inline_completion_enabled=False)
        )
        outcome = await service.complete(at_end("x = "))
        assert outcome.text == "" and "off" in outcome.notes[0]
        assert fake_openai.requests == []
    finally:
        await service.aclose()


async def test_no_fim_provider_configured_is_said(fake_openai: FakeOpenAIServer):
    service = CompletionService(
        settings(llm_providers=["gemini"], gemini_api_key="k", llamacpp_server_url=""), no_index
    )
    outcome = await service.complete(at_end("x = "))
    assert outcome.text == ""
    assert any("gemini" in n for n in outcome.notes)
    assert any("no FIM provider configured" in n for n in outcome.notes)
    await service.aclose()


SHAPES_BEFORE = "import math\n\n\n"
RING = "def ring_area(outer, inner):\n    return math.pi * (outer**2 - inner**2)\n"
WASHER = CompletionInput(
    Path("/w/a.py"), "python", "def washer(outer, inner, depth):\n    return ring_", "\n"
)


async def test_recent_edits_sharing_identifiers_go_out_costed_by_the_tokenizer(
    fake_openai: FakeOpenAIServer,
):
    service = CompletionService(settings(llamacpp_server_url=fake_openai.url), no_index)
    service.tokens.timeout = 10.0  # not about the deadline (test_tokens.py): a busy host
    try:
        service.document_opened("/w/shapes.py", SHAPES_BEFORE)
        service.document_changed("/w/shapes.py", SHAPES_BEFORE + RING)
        service.document_opened("/w/notes.py", "\n" * 20)
        service.document_changed("/w/notes.py", "\n" * 10 + "TOTAL_COUNT = 3\n")
        keyed = f'def ring_key(outer):\n    key = "{AWS_KEY}"\n'
        service.document_opened("/w/cloud.py", "\n")
        service.document_changed("/w/cloud.py", keyed)
        outcome = await service.complete(WASHER)
        [sent] = fake_openai.requests
        [chunk] = sent["input_extra"]
        assert chunk["filename"] == "shapes.py" and RING.strip() in chunk["text"]
        assert outcome.context_files == ["shapes.py"]  # notes.py shares nothing with the cursor
        assert AWS_KEY not in json.dumps(sent)
        assert any("withheld" in note for note in outcome.notes)
        cost = len(fake_tokens(f"shapes.py\n{chunk['text']}")) + 1
        assert outcome.context_tokens == cost and not outcome.context_tokens_estimated
        assert fake_openai.tokenize_calls == 1
    finally:
        await service.aclose()


async def test_recent_edits_take_at_most_half_the_budget_and_openai_is_estimated(
    fake_openai: FakeOpenAIServer,
):
    values = settings(
        llm_providers=["openai"],
        openai_base_url=f"{fake_openai.url}/v1",
        inline_completion_context_tokens=40,
    )
    service = CompletionService(values, no_index)
    try:
        service.document_opened("/w/shapes.py", SHAPES_BEFORE)
        service.document_changed("/w/shapes.py", SHAPES_BEFORE + RING * 3)
        outcome = await service.complete(WASHER)
        assert outcome.context_files == [] and outcome.context_tokens == 0
        assert any("left out" in note and "40 tokens" in note for note in outcome.notes)
        assert outcome.context_tokens_estimated and fake_openai.tokenize_calls == 0

        service.apply_settings(values.model_copy(update={"inline_completion_context_tokens": 400}))
        service.cache.clear()  # the same position again: not from the cache this time
        outcome = await service.complete(WASHER)
        assert outcome.context_files == ["shapes.py"] and outcome.context_tokens_estimated
        [*_, sent] = fake_openai.requests
        assert sent["prompt"].startswith("# shapes.py\n")
    finally:
        await service.aclose()
