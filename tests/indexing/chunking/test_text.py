"""Markdown by headings, other text by line windows."""

from __future__ import annotations

from tests.indexing.chunking.checks import chunk, fixture_text


def test_markdown_sections_by_heading_path(counter) -> None:
    chunks = chunk("docs/guide.md", fixture_text("guide.md"), counter)
    assert [c.symbol for c in chunks] == [
        "Guide",
        "Guide > Install > Linux",
        "Guide > Install > macOS",
        "Guide > Usage",
    ]
    assert {c.kind for c in chunks} == {"section"}
    linux = chunks[1]
    assert linux.text.startswith("## Install\n\n### Linux")  # empty parent joins its child
    assert "# not a heading: inside a fence" in linux.text
    assert linux.embed_text.startswith("# docs/guide.md: Guide > Install > Linux (section)\n")
    assert all(c.language == "markdown" for c in chunks)


def test_markdown_preamble_and_large_section(counter) -> None:
    paragraphs = "\n\n".join(
        f"Paragraph {i} explains how the indexer walks the workspace and embeds chunk {i}."
        for i in range(30)
    )
    text = f"Intro text before any heading.\n\n# Design\n\n{paragraphs}\n\n## Notes\n\nShort.\n"
    chunks = chunk("DESIGN.md", text, counter, budget=96)
    assert chunks[0].symbol == "" and chunks[0].text == "Intro text before any heading."
    design = [c for c in chunks if c.symbol == "Design"]
    assert len(design) > 2
    assert design[0].text.startswith("# Design")
    for c in design:  # split at paragraph boundaries
        assert c.text.split("\n")[-1].startswith(("Paragraph", "# Design"))
    assert chunks[-1].symbol == "Design > Notes"


def test_markdown_fenced_hash_lines_are_not_headings(counter) -> None:
    text = "# Title\n\n```python\n# comment\ndef f():\n    pass\n```\n\n~~~\n## also code\n~~~\n"
    chunks = chunk("x.md", text, counter)
    assert [c.symbol for c in chunks] == ["Title"]


def test_text_file_line_windows(counter) -> None:
    text = "\n".join(f'key_{i} = "value number {i} for the settings file"' for i in range(200))
    chunks = chunk("settings.toml", text + "\n", counter, budget=96)
    assert len(chunks) > 5
    assert {c.kind for c in chunks} == {"lines"}
    assert {c.language for c in chunks} == {"text"}
    assert chunks[0].embed_text.startswith("# settings.toml (lines)\nkey_0 =")
    for before, after in zip(chunks, chunks[1:], strict=False):
        assert after.start_line <= before.end_line  # small overlap
        assert after.start_line > before.start_line
        assert before.end_line - after.start_line < 3


def test_small_text_file_is_one_chunk(counter) -> None:
    text = '{\n  "name": "auro",\n  "version": "0.1.0"\n}\n'
    chunks = chunk("package.json", text, counter)
    assert len(chunks) == 1
    assert (chunks[0].start_line, chunks[0].end_line, chunks[0].kind) == (1, 4, "lines")


def test_unknown_language_is_chunked_as_text(counter) -> None:
    text = 'fun main() {\n    println("hi")\n}\n'
    chunks = chunk("Main.kt", text, counter)
    assert [(c.language, c.kind) for c in chunks] == [("text", "lines")]
