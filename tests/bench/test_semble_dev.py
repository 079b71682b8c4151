"""The development benchmark's command reads another set (specs, annotations, published
figures) and says what is missing before it indexes anything."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.semble_dev import load_published, peer_mean

REPO = Path(__file__).resolve().parents[2]
SPEC = {"name": "chi", "language": "go", "mirror": "go-chi/chi", "revision": "a" * 40}


def semble_dev(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bench.semble_dev", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
    )


@pytest.fixture
def heldout(tmp_path):
    (tmp_path / "annotations").mkdir()
    (tmp_path / "repos.json").write_text(json.dumps([SPEC]))
    (tmp_path / "published.json").write_text(
        json.dumps({"semble": {"chi": {"ndcg10": 0.85}}, "coderankembed_hybrid": {}})
    )
    return tmp_path


def options(base: Path) -> list[str]:
    return [
        "--specs",
        str(base / "repos.json"),
        "--annotations",
        str(base / "annotations"),
        "--published",
        str(base / "published.json"),
        "--data",
        str(base / "src"),
        "--cache",
        str(base / "index"),
    ]


def test_a_repository_without_annotations_is_named(heldout):
    done = semble_dev(*options(heldout))
    assert done.returncode == 1
    assert f"no annotations in {heldout / 'annotations'} for chi" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (heldout / "index").exists()  # nothing indexed


def test_an_unexported_repository_of_the_other_set_is_named(heldout):
    (heldout / "annotations" / "chi.json").write_text("[]")
    done = semble_dev(*options(heldout))
    assert done.returncode == 1
    assert "chi not exported at the pinned revision" in done.stderr


def test_unreadable_published_figures_are_a_clear_error(heldout):
    (heldout / "annotations" / "chi.json").write_text("[]")
    (heldout / "published.json").write_text("{not json")
    done = semble_dev(*options(heldout))
    assert done.returncode == 2
    assert "cannot read published figures" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_missing_specs_file_is_a_clear_error(heldout):
    done = semble_dev("--specs", str(heldout / "nope.json"))
    assert done.returncode == 2
    assert "cannot read repository specs" in done.stderr


def test_published_figures_need_both_peers(tmp_path):
    path = tmp_path / "published.json"
    path.write_text(json.dumps({"semble": {}}))
    with pytest.raises(ValueError, match="coderankembed_hybrid"):
        load_published(path)


def test_the_peer_mean_covers_the_same_repositories_or_none():
    figures = {"chi": {"ndcg10": 0.8}, "gin": {"ndcg10": 0.9}}
    assert peer_mean(figures, ["chi", "gin"]) == pytest.approx(0.85)
    assert peer_mean(figures, ["chi", "rack"]) is None


def test_the_defaults_still_read_the_development_set():
    published = load_published(REPO / "bench" / "semble" / "published.json")
    assert set(published["semble"]) == {
        "aiohttp",
        "fastapi",
        "model2vec",
        "pydantic",
        "express",
        "trpc",
        "zod",
    }
