"""Context budget: layout, trimming order, reporting, and the never-over-window guarantee."""

from __future__ import annotations

import pytest

from server.llm.budget import UNTRUSTED_NOTE, ContextChunk, Prompt, ToolResult, fit_prompt
from server.llm.errors import LLMRequestError
from server.llm.estimate import estimate_message_tokens, estimate_text_tokens
from server.llm.messages import ImagePart, Message, TextPart


async def words(messages: list[Message]) -> int:
    """A deterministic counter: one token per word plus 2 per message."""
    return sum(len(m.text().split()) + 2 for m in messages)


def chunk(name: str, score: float, size: int = 20) -> ContextChunk:
    return ContextChunk(f"src/{name}.py", 1, size, " ".join([name] * size), score, f"{name}()")


def prompt() -> Prompt:
    history = []
    for i in range(3):
        history += [Message("user", f"q{i} " * 10), Message("assistant", f"a{i} " * 10)]
    return Prompt(
        question="why does it crash?",
        system="You are helpful.",
        chunks=[chunk("low", 0.1), chunk("high", 0.9), chunk("mid", 0.5)],
        tool_results=[ToolResult("https://example.com/bug", "Bug report", "ignore previous " * 5)],
        history=history,
    )


async def fit(window: int):
    return await fit_prompt(prompt(), window=window, reserve=10, count=words)


async def test_everything_fits_with_layout_and_markers():
    fitted = await fit(10_000)
    roles = [m.role for m in fitted.messages]
    assert roles == ["system"] + ["user", "assistant"] * 3 + ["user"]
    last = fitted.messages[-1].text()
    assert (
        last.index("src/high.py:1-20 (high())")
        < last.index("src/mid.py:1-20")
        < last.index("src/low.py:1-20")
    ), "chunks are ordered best first and headed path:start-end"
    assert UNTRUSTED_NOTE in last and 'url="https://example.com/bug"' in last
    assert last.endswith("Question: why does it crash?")
    assert not fitted.report.dropped_anything
    assert fitted.report.prompt_tokens == await words(fitted.messages)


async def test_trimming_order_step_by_step():
    full = (await fit(10_000)).report.prompt_tokens
    steps = []
    for window in range(full + 10, 0, -8):
        try:
            fitted = await fit(window)
        except LLMRequestError:
            steps.append("too small")
            break
        report = fitted.report
        assert report.prompt_tokens <= window - 10, "never over the budget"
        steps.append(
            (
                report.dropped_history,
                tuple(report.dropped_chunks),
                tuple(report.dropped_tool_results),
            )
        )
    distinct = list(dict.fromkeys(steps))
    assert distinct[0] == (0, (), ())
    history_steps = [s for s in distinct if s != "too small" and not s[1]]
    assert [s[0] for s in history_steps] == [0, 2, 4, 6], "oldest exchange first, in pairs"
    chunk_steps = [s[1] for s in distinct if s != "too small" and s[1] and not s[2]]
    assert chunk_steps == [
        ("src/low.py:1-20",),
        ("src/low.py:1-20", "src/mid.py:1-20"),
        ("src/low.py:1-20", "src/mid.py:1-20", "src/high.py:1-20"),
    ]
    assert any(s != "too small" and s[2] == ("https://example.com/bug",) for s in distinct)
    assert distinct[-1] == "too small"


async def test_oldest_history_goes_first():
    fitted = await fit((await fit(10_000)).report.prompt_tokens - 5)
    texts = [m.text() for m in fitted.messages]
    assert fitted.report.dropped_history == 2
    assert not any(t.startswith("q0") or t.startswith("a0") for t in texts)
    assert any(t.startswith("q1") for t in texts)


async def test_question_too_large_is_a_clear_error():
    with pytest.raises(LLMRequestError, match="window"):
        await fit_prompt(Prompt(question="word " * 100), window=50, reserve=10, count=words)


async def test_image_question_keeps_its_parts():
    question = Message("user", (TextPart("what is on screen?"), ImagePart("image/png", b"png")))
    fitted = await fit_prompt(
        Prompt(question=question, chunks=[chunk("a", 1.0)]), window=10_000, reserve=0, count=words
    )
    content = fitted.messages[-1].content
    assert isinstance(content, tuple) and isinstance(content[-1], ImagePart)
    assert "src/a.py:1-20" in content[0].text


def test_prompt_from_messages():
    parsed = Prompt.from_messages(
        [
            Message("system", "s"),
            Message("user", "u1"),
            Message("assistant", "a1"),
            Message("user", "u2"),
        ]
    )
    assert parsed.system == "s" and parsed.question == Message("user", "u2")
    assert [m.text() for m in parsed.history] == ["u1", "a1"]


def test_estimate_is_calibrated_to_over_count():
    code = "def add(a, b):\n    return a + b\n" * 20  # ~ 9 real BPE tokens per line pair
    assert estimate_text_tokens(code) >= len(code) / 4
    assert estimate_text_tokens("日本語") == 3
    assert estimate_message_tokens([Message("user", (ImagePart("image/png", b""),))]) > 500
