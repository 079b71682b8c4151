"""A chat reply as the `ask_codebase` answer: citations relative to their workspace root, so
an agent can pass them straight to `read_code`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from server.mcp.backend import relative_citation_path
from server.mcp.models import Answer, Citation


def answer_of(reply: dict[str, Any], roots: list[Path]) -> Answer:
    """`reply` is a chat reply's JSON (`ChatReply.to_json`, or the REST chat response)."""
    citations = []
    for cited in reply.get("citations") or []:
        if "url" in cited:
            citations.append(Citation(url=cited["url"], title=cited.get("title")))
        else:
            citations.append(
                Citation(
                    path=relative_citation_path(cited["path"], roots),
                    start_line=cited.get("start_line"),
                    end_line=cited.get("end_line"),
                    symbol=cited.get("symbol") or None,
                )
            )
    return Answer(
        text=reply.get("text", ""),
        citations=citations,
        status=reply.get("status", "completed"),
        error=reply.get("error"),
        truncated=bool(reply.get("truncated")),
        notices=list(reply.get("notices") or []),
        provider=reply.get("provider"),
        model=reply.get("model"),
    )
