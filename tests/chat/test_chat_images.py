"""Images in a REST chat turn: decoded and sniffed at the door (413/422 with the reason,
nothing stored or sent), then sent with the question to a model that sees them, or refused
with a clear error when the configured model is blind."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from server.chat.images import (
    ImageLimits,
    ImageRejected,
    image_from_file,
    image_from_text,
    sniff,
)
from tests.chat.test_rest_chat import served_chat
from tests.fakes.openai_server import FakeOpenAIServer

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 24
LIMITS = ImageLimits(max_images=2, max_bytes=1000)


def data_url(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def test_the_bytes_decide_the_type():
    assert [sniff(PNG), sniff(JPEG), sniff(WEBP), sniff(b"<svg/>")] == [
        "image/png",
        "image/jpeg",
        "image/webp",
        None,
    ]
    assert image_from_text(base64.b64encode(JPEG).decode(), LIMITS).mime_type == "image/jpeg"
    with pytest.raises(ImageRejected, match="says image/png but its bytes are image/jpeg"):
        image_from_text(data_url(JPEG, "image/png"), LIMITS)
    with pytest.raises(ImageRejected, match="not a PNG, JPEG, GIF or WebP") as caught:
        image_from_text(data_url(b"<svg onload=alert(1)/>", "image/svg+xml"), LIMITS)
    assert caught.value.status == 422
    with pytest.raises(ImageRejected, match="AURO_CHAT_MAX_IMAGE_BYTES") as caught:
        image_from_text(data_url(PNG + b"\x00" * 2000), LIMITS)
    assert caught.value.status == 413


def test_image_files_are_checked_before_and_after_reading(tmp_path: Path):
    (tmp_path / "shot.png").write_bytes(PNG)
    (tmp_path / "notes.png").write_text("not an image")
    (tmp_path / "huge.png").write_bytes(PNG + b"\x00" * 2000)
    assert image_from_file(tmp_path / "shot.png", LIMITS).data == PNG
    with pytest.raises(ImageRejected, match="notes.png is not a PNG"):
        image_from_file(tmp_path / "notes.png", LIMITS)
    with pytest.raises(ImageRejected, match="huge.png is 2040 bytes") as caught:
        image_from_file(tmp_path / "huge.png", LIMITS)
    assert caught.value.status == 413
    with pytest.raises(ImageRejected, match="cannot read missing.png"):
        image_from_file(tmp_path / "missing.png", LIMITS)
    with pytest.raises(ImageRejected, match="not a regular file"):
        image_from_file(tmp_path, LIMITS)


@pytest.mark.parametrize(
    ("images", "status", "code"),
    [
        (["not base64!"], 422, "invalid_image"),
        ([data_url(b"GIF87a" + b"\x00" * 10, "image/png")], 422, "invalid_image"),
        ([data_url(PNG)] * 3, 413, "image_too_large"),
        ([data_url(PNG + b"\x00" * 600_000)], 413, "image_too_large"),
    ],
)
async def test_bad_images_are_refused_before_anything_is_stored_or_sent(
    fake_openai: FakeOpenAIServer, tmp_path: Path, images, status, code
):
    fake_openai.vision = True
    limits = {"chat_max_images": 2, "chat_max_image_bytes": 500_000}
    async with served_chat(fake_openai, tmp_path / "data", **limits) as (client, services):
        response = await client.post("/api/v1/chat", json={"message": "hi", "images": images})
        body = await response.json()
        sessions = await services.sessions.list()
    assert (response.status, body["error"]["code"]) == (status, code)
    assert fake_openai.requests == [] and sessions == []


async def test_an_image_reaches_a_model_that_sees(fake_openai: FakeOpenAIServer, tmp_path: Path):
    fake_openai.vision = True
    fake_openai.reply_text = "A red square."
    async with served_chat(fake_openai, tmp_path / "data") as (client, _):
        response = await client.post(
            "/api/v1/chat",
            json={"message": "What is drawn?", "images": [data_url(PNG)], "include_rag": False},
        )
        body = await response.json()
    assert (response.status, body["status"], body["text"]) == (200, "completed", "A red square.")
    question = fake_openai.requests[0]["messages"][-1]["content"]
    assert question[0]["type"] == "text" and "What is drawn?" in question[0]["text"]
    assert question[1] == {"type": "image_url", "image_url": {"url": data_url(PNG)}}


async def test_a_blind_model_gets_nothing_and_the_reply_says_why(
    fake_openai: FakeOpenAIServer, tmp_path: Path
):
    async with served_chat(fake_openai, tmp_path / "data", openai_vision=False) as (client, _):
        response = await client.post(
            "/api/v1/chat", json={"message": "What is drawn?", "images": [data_url(PNG)]}
        )
        body = await response.json()
    assert fake_openai.requests == []
    assert body["status"] == "error" and "no configured model can see images" in body["error"]


async def test_a_body_with_images_may_exceed_the_plain_body_limit(
    fake_openai: FakeOpenAIServer, tmp_path: Path
):
    fake_openai.vision = True
    big = data_url(PNG + b"\x00" * 300_000)  # ~400 kB as base64
    settings = {"http_max_body_bytes": 100_000}
    async with served_chat(fake_openai, tmp_path / "data", **settings) as (client, _):
        chat = await client.post("/api/v1/chat", json={"message": "look", "images": [big]})
        other = await client.post("/api/v1/rag/search", json={"query": "x" * 200_000})
    assert chat.status == 200 and other.status == 413
