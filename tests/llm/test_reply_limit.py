"""The reply limit: sent to every provider as its own field, equal to the reserve the prompt
was fitted around, and a reply the limit cut is reported as truncated."""

from __future__ import annotations

from server.llm import LLMManager, Prompt, ReplyDone, TextDelta
from server.llm.openai_compat import OpenAICompatProvider
from server.llm.policy import Timeouts
from tests.fakes.common import Reply
from tests.fakes.openai_server import FakeOpenAIServer
from tests.support.llm_settings import make_settings

QUESTION = Prompt(question="What does main() do?", system="You are a code assistant.")
LONG_REPLY = Reply(text="word " * 100, chunk_chars=5)  # 100 pieces: 100 tokens in the fakes
LIMIT = 64  # llm_reply_reserve in the tests' settings


async def answer(
    manager: LLMManager, prompt: Prompt = QUESTION, **options
) -> tuple[str, ReplyDone]:
    text, done = [], None
    async for event in manager.stream(prompt, **options):
        if isinstance(event, TextDelta):
            text.append(event.text)
        elif isinstance(event, ReplyDone):
            done = event
    await manager.aclose()
    assert done is not None
    return "".join(text), done


async def test_llamacpp_gets_max_tokens_and_a_cut_reply_is_truncated(fake_openai):
    fake_openai.script.append(LONG_REPLY)
    manager = LLMManager.from_settings(make_settings(llamacpp_server_url=fake_openai.url))
    text, done = await answer(manager)
    assert fake_openai.requests[0]["max_tokens"] == LIMIT == done.budget.reserve
    assert done.finish_reason == "length" and done.truncated
    assert done.usage.completion_tokens == LIMIT and not done.usage.estimated
    assert text == ("word " * 100)[: LIMIT * 5]
    assert done.to_json()["truncated"] is True


async def test_a_reply_within_the_limit_is_not_truncated(fake_openai):
    manager = LLMManager.from_settings(make_settings(llamacpp_server_url=fake_openai.url))
    _, done = await answer(manager)
    assert fake_openai.requests[0]["max_tokens"] == LIMIT
    assert done.finish_reason == "stop" and not done.truncated


async def test_openai_compatible_gets_max_tokens(fake_openai):
    fake_openai.script.append(LONG_REPLY)
    settings = make_settings(openai_api_key="k", openai_base_url=f"{fake_openai.url}/v1")
    _, done = await answer(LLMManager.from_settings(settings))
    assert fake_openai.requests[0]["max_tokens"] == LIMIT
    assert "max_completion_tokens" not in fake_openai.requests[0]
    assert done.truncated and done.usage.completion_tokens == LIMIT


def test_openai_itself_gets_max_completion_tokens():
    provider = OpenAICompatProvider(
        endpoint="https://api.openai.com/v1", model="o4-mini", api_key="k", timeouts=Timeouts()
    )
    assert provider.max_tokens_field == "max_completion_tokens"


async def test_gemini_gets_max_output_tokens_and_max_tokens_means_truncated(fake_gemini):
    fake_gemini.script.append(LONG_REPLY)
    settings = make_settings(gemini_api_key="test-key", gemini_base_url=fake_gemini.url)
    _, done = await answer(LLMManager.from_settings(settings))
    assert fake_gemini.requests[0]["generationConfig"]["maxOutputTokens"] == LIMIT
    assert done.finish_reason == "max_tokens" and done.truncated


async def test_a_request_limit_replaces_the_setting_but_never_exceeds_the_reserve():
    async with FakeOpenAIServer(props_n_ctx=512) as fake:
        manager = LLMManager.from_settings(make_settings(llamacpp_server_url=fake.url))
        _, done = await answer(manager, max_tokens=200)
        assert fake.requests[-1]["max_tokens"] == 200 == done.budget.reserve
        manager = LLMManager.from_settings(make_settings(llamacpp_server_url=fake.url))
        _, done = await answer(manager, max_tokens=10_000)
        assert fake.requests[-1]["max_tokens"] == 256 == done.budget.reserve, "half the window"
