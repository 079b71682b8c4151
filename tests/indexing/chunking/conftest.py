"""Fixture: the real MiniLM tokenizer, loaded once per session."""

from __future__ import annotations

import pytest

from server.indexing.chunking import TokenCounter


@pytest.fixture(scope="session")
def counter() -> TokenCounter:
    return TokenCounter()
