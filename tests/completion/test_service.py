"""The completion service on its own, against the fake servers: failover, breakers, settings."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from server.completion import CompletionInput, CompletionService
from server.config import Settings
from server.indexing.multi_root import MultiSearch
from tests.fakes.common import Fail, Reply
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
