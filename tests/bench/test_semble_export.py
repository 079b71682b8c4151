"""Exporting a pinned revision's benchmark root from a git directory."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.semble_export import RepoSpec, export, exported_revision, load_specs

REPO = Path(__file__).resolve().parents[2]


def git(cwd, *args) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


@pytest.fixture
def repo(tmp_path):
    work = tmp_path / "work"
    (work / "lib").mkdir(parents=True)
    (work / "docs").mkdir()
    (work / "lib" / "app.js").write_text("module.exports = 1\n")
    (work / "docs" / "guide.md").write_text("# guide\n")
    git(work, "init", "-q")
    git(work, "add", ".")
    git(work, "commit", "-qm", "one")
    first = git(work, "rev-parse", "HEAD")
    (work / "lib" / "app.js").write_text("module.exports = 2\n")
    git(work, "commit", "-qam", "two")
    return work / ".git", first


def test_export_writes_only_the_benchmark_root_at_the_pinned_revision(repo, tmp_path):
    git_dir, first = repo
    out = tmp_path / "out"
    spec = RepoSpec("demo", "javascript", "o/demo", first, "lib")
    assert export(spec, git_dir, out)
    assert (out / "demo" / "lib" / "app.js").read_text() == "module.exports = 1\n"
    assert not (out / "demo" / "docs").exists()
    assert exported_revision(spec, out) == first
    assert not export(spec, git_dir, out)  # already there


def test_a_changed_revision_replaces_the_tree(repo, tmp_path):
    git_dir, first = repo
    out = tmp_path / "out"
    export(RepoSpec("demo", "javascript", "o/demo", first, "lib"), git_dir, out)
    head = git(git_dir.parent, "rev-parse", "HEAD")
    assert export(RepoSpec("demo", "javascript", "o/demo", head, "lib"), git_dir, out)
    assert (out / "demo" / "lib" / "app.js").read_text() == "module.exports = 2\n"


def test_only_the_seven_development_repositories_are_listed():
    names = {s.name for s in load_specs()}
    assert names == {"aiohttp", "fastapi", "model2vec", "pydantic", "express", "trpc", "zod"}
    with pytest.raises(ValueError, match="not a repository of"):
        load_specs(["flask"])


def test_specs_from_another_file_take_a_missing_or_null_root_as_the_whole_repository(tmp_path):
    specs_file = tmp_path / "repos.json"
    specs_file.write_text(
        json.dumps(
            [
                {"name": "chi", "language": "go", "mirror": "go-chi/chi", "revision": "a" * 40},
                {
                    "name": "nvm",
                    "language": "bash",
                    "mirror": "nvm-sh/nvm",
                    "revision": "b" * 40,
                    "benchmark_root": None,
                },
                {
                    "name": "rack",
                    "language": "ruby",
                    "mirror": "rack/rack",
                    "revision": "c" * 40,
                    "benchmark_root": "lib/rack",
                },
            ]
        )
    )
    chi, nvm, rack = load_specs(None, specs_file)
    assert (chi.benchmark_root, nvm.benchmark_root, rack.benchmark_root) == ("", "", "lib/rack")
    assert chi.index_root(tmp_path) == tmp_path / "chi"
    assert chi.indexed_path("mux.go") == "mux.go"
    assert rack.indexed_path("request.rb") == "lib/rack/request.rb"
    assert [s.name for s in load_specs(["rack"], specs_file)] == ["rack"]


def test_an_unreadable_specs_file_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="cannot read repository specs"):
        load_specs(None, tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text('[{"name": "x"}]')
    with pytest.raises(ValueError, match="cannot read repository specs"):
        load_specs(None, bad)


def test_an_empty_root_exports_the_whole_tree(repo, tmp_path):
    git_dir, first = repo
    out = tmp_path / "out"
    assert export(RepoSpec("demo", "javascript", "o/demo", first), git_dir, out)
    assert (out / "demo" / "lib" / "app.js").read_text() == "module.exports = 1\n"
    assert (out / "demo" / "docs" / "guide.md").is_file()


def test_the_cli_reads_another_specs_file(repo, tmp_path):
    git_dir, first = repo
    specs_file = tmp_path / "repos.json"
    specs_file.write_text(
        json.dumps([{"name": "demo", "language": "js", "mirror": "o/demo", "revision": first}])
    )
    out = tmp_path / "out"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.semble_export",
            "--specs",
            str(specs_file),
            "--out",
            str(out),
            "--git-dir",
            f"demo={git_dir}",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert done.returncode == 0, done.stderr
    assert "demo: exported" in done.stdout
    assert (out / "demo" / "docs" / "guide.md").is_file()
    missing = subprocess.run(
        [sys.executable, "-m", "bench.semble_export", "--specs", str(tmp_path / "nope.json")],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert missing.returncode == 2
    assert "cannot read repository specs" in missing.stderr
    assert "Traceback" not in missing.stderr
