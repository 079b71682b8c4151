"""The one conversion from service records to the editor protocol: line numbers to LSP
ranges, a chat reply, usage counters."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types

from server.chat import ChatReply, CodeCitation, WebCitation
from server.llm.messages import TokenUsage
from server.llm.usage import UsageTracker
from server.lsp import convert, protocol as p


def test_lines_become_a_range_of_whole_lines() -> None:
    # lines 3-5 (1-based, inclusive): from the start of line 2 to the start of line 5 (0-based)
    assert convert.lines_range(3, 5).wire() == {
        "start": {"line": 2, "character": 0},
        "end": {"line": 5, "character": 0},
    }
    location = convert.lsp_location(Path("/w/a b.py"), 1, 1)
    assert location.uri == "file:///w/a%20b.py"
    assert (location.range.start.line, location.range.end.line) == (0, 1)


def test_client_ranges_round_trip_and_negative_numbers_are_clamped() -> None:
    lsp = types.Range(
        start=types.Position(line=4, character=2), end=types.Position(line=9, character=0)
    )
    assert convert.to_lsp(convert.from_lsp(lsp)) == lsp
    odd = p.Range.model_validate(
        {"start": {"line": -3, "character": -1}, "end": {"line": 2, "character": 5}}
    )
    assert convert.to_lsp(odd).start == types.Position(line=0, character=0)


def test_a_chat_reply_on_the_wire() -> None:
    reply = ChatReply(
        session_id="s1",
        text="answer",
        citations=[
            CodeCitation("/w/calc.py", 5, 9, "divide"),
            CodeCitation("/elsewhere/notes.md", 1, 2),
            WebCitation("https://example.org/x", "X"),
        ],
        usage={"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12, "estimated": False},
        provider="openai",
        model="m",
        truncated=True,
        notices=["The reply was cut off."],
    )
    wire = convert.chat_result(reply, [Path("/v"), Path("/w")]).wire()
    assert wire == {
        "sessionId": "s1",
        "text": "answer",
        "citations": [
            {
                "uri": "file:///w/calc.py",
                "range": {"start": {"line": 4, "character": 0}, "end": {"line": 9, "character": 0}},
                "symbol": "divide",
                "path": "calc.py",  # relative to its root, as in search hits
                "root": "/w",
            },
            {
                "uri": "file:///elsewhere/notes.md",
                "range": {"start": {"line": 0, "character": 0}, "end": {"line": 2, "character": 0}},
                "symbol": "",
                "path": "/elsewhere/notes.md",  # in no root: absolute
                "root": None,
            },
            {"url": "https://example.org/x", "title": "X"},
        ],
        "usage": {"promptTokens": 10, "completionTokens": 2, "totalTokens": 12, "estimated": False},
        "provider": "openai",
        "model": "m",
        "status": "completed",
        "error": None,
        "truncated": True,
        "notices": ["The reply was cut off."],
    }
    # a turn that reached no model has no usage
    failed = ChatReply(session_id="s2", text="", status="error", error="No language model answered")
    assert convert.chat_result(failed, []).wire()["usage"] is None


def test_usage_counters_in_camel_case() -> None:
    tracker = UsageTracker()
    tracker.record_success(
        provider="openai",
        model="m",
        session_id="s1",
        usage=TokenUsage(prompt_tokens=7, completion_tokens=3),
        latency_s=0.5,
        first_token_s=0.1,
    )
    tracker.record_error(provider="openai", model="m", session_id="s1", error="HTTP 500")
    wire = convert.usage(tracker.snapshot()).wire()
    assert wire["totals"]["promptTokens"] == 7 and wire["totals"]["totalTokens"] == 10
    assert wire["models"]["openai/m"]["avgFirstTokenS"] == 0.1
    assert wire["sessions"]["s1"]["errors"] == 1
    assert wire["recentErrors"][0]["error"] == "HTTP 500"
