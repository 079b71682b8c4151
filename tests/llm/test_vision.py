"""Images reach only models that can see them: llama.cpp's `/props` modalities (or a
setting) are checked before anything is sent, a blind model is skipped for one that sees,
and when none sees the turn fails with a clear error and no request left the process."""

from __future__ import annotations

import base64

import pytest

from server.llm import ImagesUnsupported, LLMManager, Message, Prompt, ReplyDone, TextDelta
from server.llm.messages import ImagePart, TextPart
from tests.fakes.openai_server import FakeOpenAIServer
from tests.llm.conftest import make_settings

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
PICTURE = Prompt(
    question=Message("user", (TextPart("What is drawn?"), ImagePart("image/png", PNG)))
)
DATA_URL = "data:image/png;base64," + base64.b64encode(PNG).decode()


async def answer(manager: LLMManager, prompt: Prompt = PICTURE) -> tuple[str, ReplyDone]:
    text, done = [], None
    try:
        async for event in manager.stream(prompt):
            if isinstance(event, TextDelta):
                text.append(event.text)
            elif isinstance(event, ReplyDone):
                done = event
    finally:
        await manager.aclose()
    assert done is not None
    return "".join(text), done


def image_urls(request: dict) -> list[str]:
    return [
        part["image_url"]["url"]
        for message in request["messages"]
        if isinstance(message["content"], list)
        for part in message["content"]
        if part["type"] == "image_url"
    ]


async def test_llamacpp_with_mmproj_gets_the_image_as_an_image_url_part():
    async with FakeOpenAIServer(vision=True) as fake:
        manager = LLMManager.from_settings(make_settings(llamacpp_server_url=fake.url))
        text, done = await answer(manager)
    assert text == fake.reply_text and done.provider == "llamacpp"
    assert image_urls(fake.requests[0]) == [DATA_URL]
    assert fake.props_calls >= 1  # vision came from /props


async def test_a_blind_llamacpp_gets_nothing_and_the_error_says_why():
    async with FakeOpenAIServer(vision=False) as fake:
        manager = LLMManager.from_settings(make_settings(llamacpp_server_url=fake.url))
        with pytest.raises(ImagesUnsupported) as caught:
            await answer(manager)
    assert fake.requests == []  # checked before sending
    message = str(caught.value)
    assert "no configured model can see images" in message and "--mmproj" in message
    assert fake.url in message


async def test_a_blind_model_is_skipped_for_one_that_sees():
    async with FakeOpenAIServer(vision=False) as local, FakeOpenAIServer(vision=True) as remote:
        settings = make_settings(
            llamacpp_server_url=local.url,
            openai_api_key="k",
            openai_base_url=f"{remote.url}/v1",
            llm_providers=["llamacpp", "openai"],
        )
        text, done = await answer(LLMManager.from_settings(settings))
    assert local.requests == [] and done.provider == "openai"
    assert image_urls(remote.requests[0]) == [DATA_URL] and text == remote.reply_text


async def test_the_setting_overrides_what_props_says():
    async with FakeOpenAIServer(vision=True) as fake:
        settings = make_settings(llamacpp_server_url=fake.url, llamacpp_vision="no")
        with pytest.raises(ImagesUnsupported):
            await answer(LLMManager.from_settings(settings))
    assert fake.requests == []


async def test_an_openai_model_marked_blind_is_refused_before_sending():
    async with FakeOpenAIServer(vision=True) as fake:
        settings = make_settings(
            openai_api_key="k", openai_base_url=f"{fake.url}/v1", openai_vision=False
        )
        with pytest.raises(ImagesUnsupported, match="OPENAI_VISION"):
            await answer(LLMManager.from_settings(settings))
    assert fake.requests == []


async def test_gemini_gets_the_image_as_inline_data(fake_gemini):
    settings = make_settings(gemini_api_key="test-key", gemini_base_url=fake_gemini.url)
    text, done = await answer(LLMManager.from_settings(settings))
    assert done.provider == "gemini" and text == fake_gemini.reply_text
    parts = fake_gemini.requests[0]["contents"][-1]["parts"]
    inline = [p["inlineData"] for p in parts if "inlineData" in p]
    assert inline == [{"mimeType": "image/png", "data": base64.b64encode(PNG).decode()}]


async def test_text_questions_still_go_to_a_blind_model():
    async with FakeOpenAIServer(vision=False) as fake:
        manager = LLMManager.from_settings(make_settings(llamacpp_server_url=fake.url))
        text, _ = await answer(manager, Prompt(question="What does main() do?"))
    assert text == fake.reply_text and len(fake.requests) == 1
