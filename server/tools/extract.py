"""HTML to readable Markdown-ish text: the main content only, with structure a model can use."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bs4 import BeautifulSoup, Comment, NavigableString, Tag
from bs4.element import Declaration, Doctype, ProcessingInstruction
from yarl import URL

DROPPED = (
    "script style noscript template nav header footer aside form iframe svg canvas "
    "button input select textarea object embed dialog"
).split()
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_BLOCKS = set(
    "p div section article main body html figure figcaption dl dt dd details summary address "
    "center hr".split()
)
_SKIPPED_STRINGS = (Comment, Doctype, Declaration, ProcessingInstruction)
_BREAK = "\x00"


@dataclass(frozen=True)
class Extracted:
    """What a page says, apart from its chrome."""

    title: str
    canonical_url: str | None
    text: str


def _clean(text: str) -> str:
    """Collapse whitespace as a browser would; explicit line breaks survive."""
    lines = re.sub(r"\s+", " ", text).split(_BREAK)
    return "\n".join(line.strip() for line in lines).strip()


def _code_language(pre: Tag) -> str:
    for node in (pre, pre.find("code")):
        if isinstance(node, Tag):
            for cls in node.get("class") or []:
                for prefix in ("language-", "lang-"):
                    if cls.startswith(prefix):
                        return cls[len(prefix) :]
    return ""


class _Renderer:
    """Walks an element tree, collecting blocks; inline text is buffered until a block ends."""

    def __init__(self) -> None:
        self.blocks: list[str] = []
        self._inline: list[str] = []

    def render(self, node: Tag) -> list[str]:
        self._children(node)
        self._flush()
        return self.blocks

    def _flush(self) -> None:
        text = _clean("".join(self._inline))
        self._inline.clear()
        if text:
            self.blocks.append(text)

    def _children(self, node: Tag) -> None:
        for child in node.children:
            if isinstance(child, Tag):
                self._element(child)
            elif isinstance(child, NavigableString) and not isinstance(child, _SKIPPED_STRINGS):
                self._inline.append(str(child))

    def _element(self, el: Tag) -> None:
        name = el.name
        if name in _HEADINGS:
            self._flush()
            text = _clean(" ".join(_Renderer().render(el)))
            if text:
                self.blocks.append("#" * _HEADINGS[name] + " " + text)
        elif name == "pre":
            self._flush()
            self.blocks.append(self._code_block(el))
        elif name in ("ul", "ol"):
            self._flush()
            self._list(el)
        elif name == "blockquote":
            self._flush()
            inner = "\n\n".join(_Renderer().render(el))
            self.blocks.append("\n".join(f"> {line}".rstrip() for line in inner.splitlines()))
        elif name == "br":
            self._inline.append(_BREAK)
        elif name == "code":
            self._inline.append(f"`{el.get_text()}`")
        elif name == "table":
            self._flush()
            self._table(el)
        elif name in _BLOCKS or name == "li":
            self._flush()
            self._children(el)
            self._flush()
        else:
            self._children(el)

    @staticmethod
    def _code_block(pre: Tag) -> str:
        code = pre.get_text().strip("\n")
        fence = "~~~" if "```" in code else "```"
        return f"{fence}{_code_language(pre)}\n{code}\n{fence}"

    def _table(self, table: Tag) -> None:
        rows = []
        for row in table.find_all("tr"):
            cells = row.find_all(("td", "th"), recursive=False)
            texts = [
                _clean(" ".join(_Renderer().render(cell))).replace("\n", " ") for cell in cells
            ]
            if any(texts):
                rows.append("| " + " | ".join(texts) + " |")
        if rows:
            self.blocks.append("\n".join(rows))

    def _list(self, el: Tag) -> None:
        lines: list[str] = []
        for number, item in enumerate(el.find_all("li", recursive=False), start=1):
            marker = f"{number}." if el.name == "ol" else "-"
            body = "\n".join(_Renderer().render(item)).splitlines() or [""]
            lines.append(f"{marker} {body[0]}".rstrip())
            lines.extend(" " * (len(marker) + 1) + line if line else "" for line in body[1:])
        if lines:
            self.blocks.append("\n".join(lines))


def _title(soup: BeautifulSoup) -> str:
    if soup.title and soup.title.string:
        return _clean(soup.title.string)
    og = soup.find("meta", attrs={"property": "og:title"})
    if isinstance(og, Tag) and og.get("content"):
        return _clean(str(og["content"]))
    h1 = soup.find("h1")
    return _clean(h1.get_text(" ")) if h1 else ""


def _canonical(soup: BeautifulSoup, base: str) -> str | None:
    for link in soup.find_all("link", href=True):
        rel: str | list[str] = link.get("rel") or []  # a list: "rel" is multi-valued
        if "canonical" in [r.lower() for r in rel]:
            url = URL(base).join(URL(str(link["href"]).strip()))
            return str(url) if url.scheme in ("http", "https") else None
    return None


def _main(soup: BeautifulSoup) -> Tag:
    for candidate in (soup.find("main"), soup.find("article"), soup.find(None, {"role": "main"})):
        if isinstance(candidate, Tag):
            return candidate
    return soup.body or soup


def extract_html(html: str, base_url: str) -> Extracted:
    """Title, canonical URL and the main text of an HTML page; chrome and scripts dropped."""
    soup = BeautifulSoup(html, "lxml")
    title = _title(soup)
    canonical = _canonical(soup, base_url)
    for tag in soup.find_all(DROPPED):
        tag.decompose()
    text = "\n\n".join(_Renderer().render(_main(soup)))
    return Extracted(title, canonical, text)


def cut(text: str, budget: int) -> tuple[str, bool]:
    """`text` within `budget` characters, with a visible marker when something was cut."""
    if len(text) <= budget:
        return text, False
    return f"{text[:budget].rstrip()}\n\n[... truncated at {budget} chars]", True
