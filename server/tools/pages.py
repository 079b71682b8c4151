"""A raw response body turned into the readable page the tools return."""

from __future__ import annotations

import json

from server.tools.charset import decode
from server.tools.extract import cut, extract_html
from server.tools.fetch import RawResponse
from server.tools.models import FetchedPage

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
MARKDOWN_TYPES = frozenset({"text/markdown", "text/x-markdown"})
ACCEPTED_TYPES = HTML_TYPES | MARKDOWN_TYPES | {"text/plain", "application/json"}


def _markdown_title(text: str) -> str:
    for line in text.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return ""


def _pretty_json(text: str) -> str:
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text


def build_page(raw: RawResponse, requested_url: str, budget: int) -> FetchedPage:
    """Decode, extract main text (HTML) or keep it (Markdown, plain, JSON), then cut to budget."""
    html = raw.content_type in HTML_TYPES
    text = decode(raw.body, raw.charset, html=html)
    title, canonical = "", None
    if html:
        extracted = extract_html(text, str(raw.url))
        title, canonical, text = extracted.title, extracted.canonical_url, extracted.text
    elif raw.content_type in MARKDOWN_TYPES:
        title = _markdown_title(text)
    elif raw.content_type == "application/json":
        text = _pretty_json(text)
    text, truncated = cut(text.strip(), budget)
    return FetchedPage(
        url=str(raw.url),
        requested_url=requested_url,
        title=title,
        text=text,
        content_type=raw.content_type,
        canonical_url=canonical,
        truncated=truncated,
    )
