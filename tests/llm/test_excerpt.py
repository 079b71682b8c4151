"""Oversized chunks are cut to the lines around the best match instead of dropped."""

from __future__ import annotations

from server.llm.budget import ContextChunk, Prompt, fit_prompt
from server.llm.excerpt import best_line, excerpt, query_terms
from server.llm.messages import Message

QUESTION = "Where is parse_config defined?"


async def words(messages: list[Message]) -> int:
    """One token per word plus 2 per message."""
    return sum(len(m.text().split()) + 2 for m in messages)


def module(name: str, needle_at: int) -> ContextChunk:
    lines = [f"{name}_value_{i} = {i}" for i in range(1, 201)]
    lines[needle_at - 1] = "def parse_config(path): return load(path)"
    return ContextChunk(f"{name}.py", 1, 200, "\n".join(lines), 0.9)


def test_terms_and_best_line():
    terms = query_terms(QUESTION)
    assert {"parse_config", "parse", "config", "defined"} <= terms and "where" not in terms
    assert best_line(["a = 1", "x = parse(y)", "def parse_config(): ..."], terms) == 2
    assert best_line(["a = 1", "b = 2"], terms) == 0, "no match: from the top"


def test_excerpt_is_whole_lines_around_the_match_within_the_size():
    cut = excerpt(module("alpha", 150), query_terms(QUESTION), 400)
    assert cut is not None and cut.full_lines == (1, 200) and cut.origin == "alpha.py:1-200"
    assert cut.start_line <= 150 <= cut.end_line and len(cut.text) <= 400
    assert cut.text.splitlines()[150 - cut.start_line].startswith("def parse_config")
    short = ContextChunk("a.py", 1, 2, "x = 1\ny = 2")
    assert excerpt(short, set(), 5) is None, "too short to cut: dropped whole instead"


async def test_an_oversized_chunk_is_cut_not_dropped_and_fits():
    prompt = Prompt(question=QUESTION, chunks=[module("alpha", 150)])
    fitted = await fit_prompt(prompt, window=300, reserve=64, count=words)
    report = fitted.report
    assert report.dropped_chunks == [] and report.prompt_tokens <= 300 - 64
    [cut] = report.cut_chunks
    assert cut.origin == "alpha.py:1-200" and cut.start_line <= 150 <= cut.end_line
    text = fitted.messages[-1].text()
    assert f"### alpha.py:{cut.start_line}-{cut.end_line} [excerpt of lines 1-200]" in text
    assert "def parse_config(path)" in text


async def test_when_every_chunk_is_oversized_the_best_survives_as_an_excerpt():
    scored = {"alpha": (150, 0.9), "beta": (10, 0.5), "gamma": (90, 0.2)}
    chunks = [
        ContextChunk(f"{name}.py", 1, 200, module(name, at).text, score)
        for name, (at, score) in scored.items()
    ]
    fitted = await fit_prompt(
        Prompt(question=QUESTION, chunks=chunks), window=300, reserve=64, count=words
    )
    report = fitted.report
    assert [c.origin for c in report.cut_chunks] == ["alpha.py:1-200"]
    assert report.dropped_chunks == ["gamma.py:1-200", "beta.py:1-200"]
    assert report.prompt_tokens <= 300 - 64
    assert report.to_json()["cut_chunks"][0]["origin"] == "alpha.py:1-200"
