"""An index embedded by another model (an fp32 index opened by the int8 default) is
re-embedded, and says so until it is done, across a restart too."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.config import Settings
from server.indexing import embedder as embedder_module, onnx_export
from server.indexing.indexer import WorkspaceIndex
from server.indexing.onnx_embedder import OnnxEmbedder
from server.indexing.vector_sync import EMBEDDER_META, REEMBEDDING_META
from tests.indexing.counting_embedder import CountingEmbedder
from tests.indexing.fixture_repo import make_repo
from tests.indexing.running import TIMEOUT, running

pytestmark = pytest.mark.skipif(
    embedder_module.onnx_available() is not None, reason="onnx/onnxruntime not installed"
)

NOTICE = "re-embedding every chunk"


@pytest.fixture(scope="module")
def int8_embedder(tmp_path_factory: pytest.TempPathFactory) -> OnnxEmbedder:
    embedder = OnnxEmbedder(cache_dir=tmp_path_factory.mktemp("models"), quantized=True)
    embedder.load()
    assert embedder.fallback_reason is None
    return embedder


def _notices(index: WorkspaceIndex) -> list[str]:
    return [w for w in index.status().warnings if NOTICE in w]


async def test_fp32_index_is_re_embedded_by_int8_with_a_notice_that_survives_a_restart(
    tmp_path: Path, settings: Settings, embedder: CountingEmbedder, int8_embedder: OnnxEmbedder
) -> None:
    repo = make_repo(tmp_path / "repo")
    async with running(repo, settings, embedder) as index:  # built by torch fp32
        status = await index.wait_until_complete(TIMEOUT)
        assert status.complete and not _notices(index)
        fp32_name = embedder.name
        chunks = status.chunks

    # int8 opens it with embedding paused: keyword search works, the notice names both models
    index = await WorkspaceIndex.open(repo, settings.data_dir, settings, int8_embedder, paused=True)
    try:
        [notice] = _notices(index)
        assert fp32_name in notice and int8_embedder.name in notice
        assert index.catalog.counts().chunks_embedded == 0  # fp32 vectors are never mixed in
        found = await index.search("add two numbers", 5, retrievers=("keyword",))
        assert found.results and any(NOTICE in w for w in found.warnings)
    finally:
        await index.close()

    # stopped before re-embedding: the next open still knows why dense search is partial
    async with running(repo, settings, int8_embedder) as index:
        status = await index.wait_until_complete(TIMEOUT)
        assert status.complete
        assert status.chunks == chunks and status.chunks_embedded == chunks
        assert not _notices(index)  # the notice leaves when every chunk has an int8 vector
        assert index.catalog.db.get_meta(EMBEDDER_META) == int8_embedder.name
        assert index.catalog.db.get_meta(REEMBEDDING_META) == ""
        dense = await index.search("add two numbers", 5, retrievers=("dense",))
        assert dense.results and not dense.warnings

    async with running(repo, settings, int8_embedder) as index:  # same model: no notice
        assert (await index.wait_until_complete(TIMEOUT)).complete
        assert not _notices(index)


async def test_an_int8_model_that_cannot_run_says_so_and_keyword_search_goes_on(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("exporter exploded")

    monkeypatch.setattr(onnx_export, "_export_fp32", broken)
    monkeypatch.setattr(onnx_export, "_done", {})
    embedder = OnnxEmbedder(cache_dir=tmp_path / "models", quantized=True)
    async with running(make_repo(tmp_path / "repo"), settings, embedder) as index:
        status = await index.wait_until_complete(TIMEOUT)
        assert not status.complete and status.chunks_embedded == 0
        assert any(
            "onnx-int8 unavailable" in w and "exporter exploded" in w for w in status.warnings
        )
        found = await index.search("add two numbers", 5)
        assert found.results  # keyword results, with the reason beside them
        assert any("onnx-int8 unavailable" in w for w in found.warnings)
