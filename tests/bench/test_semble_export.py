"""Exporting a pinned revision's benchmark root from a git directory."""

import subprocess

import pytest

from bench.semble_export import RepoSpec, export, exported_revision, load_specs


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
    with pytest.raises(ValueError, match="not a development repository"):
        load_specs(["flask"])
