"""What `search` and `chat` print, the same whether the answer came from a running server
or from this process. Paths are shown relative to the workspace root, as search reports them."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

CHAT_FIELDS = (
    "session_id",
    "text",
    "citations",
    "usage",
    "provider",
    "status",
    "error",
    "truncated",
    "notices",
)


def print_search(
    results: list[dict[str, Any]], complete: bool, warnings: list[str], as_json: bool
) -> None:
    """One line per hit (or one JSON document); warnings go to stderr."""
    if as_json:
        document = {"results": results, "complete": complete, "warnings": warnings}
        sys.stdout.write(json.dumps(document) + "\n")
        return
    for r in results:
        sys.stdout.write(
            f"{r['path']}:{r['start_line']}-{r['end_line']}  {r.get('symbol') or '-'}  "
            f"{r['score']:.4f}  [{','.join(r.get('retrievers', []))}]\n"
        )
    for warning in warnings:
        sys.stderr.write(f"warning: {warning}\n")


def relative_to_root(path: str, root: Path) -> str:
    """`path` relative to `root` when it lies inside it; anything else as it was."""
    candidate = Path(path)
    if candidate.is_absolute() and candidate.is_relative_to(root):
        return candidate.relative_to(root).as_posix()
    return path


def relative_citations(citations: list[dict[str, Any]], root: Path) -> list[dict[str, Any]]:
    """Code citations relative to `root`, with the root named, as a server's REST reply
    gives them: local and remote answers print the same."""
    shown: list[dict[str, Any]] = []
    for c in citations:
        path = c.get("path")
        if isinstance(path, str) and Path(path).is_absolute() and Path(path).is_relative_to(root):
            c = {**c, "path": relative_to_root(path, root), "root": str(root)}
        shown.append(c)
    return shown


def echo_text(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def print_chat_end(reply: dict[str, Any], root: Path, as_json: bool) -> None:
    """After the streamed text: the sources and the session (or the whole reply as JSON)."""
    citations = relative_citations(reply.get("citations") or [], root)
    if as_json:
        document = {k: reply.get(k) for k in CHAT_FIELDS} | {"citations": citations}
        sys.stdout.write(json.dumps(document) + "\n")
        return
    sys.stdout.write("\n")
    sources = [c for c in citations if "path" in c]
    if sources:
        sys.stdout.write("\nSources:\n")
        for c in sources:
            sys.stdout.write(
                f"  {c['path']}:{c['start_line']}-{c['end_line']} {c.get('symbol') or ''}\n"
            )
    error = reply.get("error")
    if error and error not in (reply.get("text") or ""):
        sys.stderr.write(f"error: {error}\n")
    for notice in reply.get("notices") or []:  # cut reply, cut or left-out context
        sys.stderr.write(f"note: {notice}\n")
    if reply.get("truncated"):
        sys.stderr.write(f"to continue: auro-pai chat --session {reply['session_id']} continue\n")
    sys.stderr.write(f"session: {reply['session_id']}\n")
