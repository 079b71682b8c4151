"""Which files enter the index: ignore files, defaults, secrets, binaries, size, symlinks."""

from __future__ import annotations

import os
from pathlib import Path

from server.config import Settings
from server.indexing.discovery import Discovery


def write(root: Path, rel: str, content: str | bytes = "x = 1\n") -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


def walked(root: Path, settings: Settings) -> set[str]:
    return {found.path for found in Discovery(root, settings).walk()}


def test_nested_gitignore_applies_to_its_subtree_and_negates(tmp_path: Path) -> None:
    settings = Settings.model_construct()
    write(tmp_path, ".gitignore", "*.log\ngenerated/\n")
    write(tmp_path, "app.log")
    write(tmp_path, "generated/out.py")
    write(tmp_path, "pkg/.gitignore", "local_*.py\n!keep.log\n")
    write(tmp_path, "pkg/keep.log")
    write(tmp_path, "pkg/other.log")
    write(tmp_path, "pkg/local_conf.py")
    write(tmp_path, "local_conf.py")  # the nested rule does not reach up
    write(tmp_path, "pkg/main.py")
    files = walked(tmp_path, settings)
    assert {"local_conf.py", "pkg/main.py", "pkg/keep.log"} <= files
    assert not files & {"app.log", "generated/out.py", "pkg/other.log", "pkg/local_conf.py"}
    discovery = Discovery(tmp_path, settings)
    assert discovery.skip_reason(tmp_path / "pkg/local_conf.py") is not None
    assert discovery.skip_reason(tmp_path / "pkg/keep.log") is None
    assert discovery.skip_reason("local_conf.py") is None


def test_auroignore_and_settings_globs(tmp_path: Path) -> None:
    settings = Settings.model_construct().model_copy(update={"ignore_globs": ["*.gen.py"]})
    write(tmp_path, ".auroignore", "fixtures/\n")
    write(tmp_path, "fixtures/big.py")
    write(tmp_path, "src/a.gen.py")
    write(tmp_path, "src/a.py")
    assert walked(tmp_path, settings) == {".auroignore", "src/a.py"}
    assert Discovery(tmp_path, settings).skip_reason("src/a.gen.py") == "settings ignore_globs"


def test_default_excludes(tmp_path: Path) -> None:
    settings = Settings.model_construct()
    for rel in (
        ".git/config",
        "node_modules/lib/index.js",
        ".venv/lib/site.py",
        "env2/lib/site.py",
        "src/__pycache__/a.cpython-311.pyc",
        "build/lib/a.py",
        "dist/a.js",
        "target/debug/a.rs",
        ".tox/a.py",
        ".mypy_cache/a.json",
        "static/app.min.js",
        "static/app.min.css",
        "package-lock.json",
        "web/yarn.lock",
        "pnpm-lock.yaml",
        "poetry.lock",
        "Cargo.lock",
        "uv.lock",
    ):
        write(tmp_path, rel)
    write(tmp_path, "env2/pyvenv.cfg", "home = /usr\n")
    write(tmp_path, "src/app.py")
    write(tmp_path, "static/app.js")
    assert walked(tmp_path, settings) == {"src/app.py", "static/app.js"}
    discovery = Discovery(tmp_path, settings)
    assert discovery.skip_reason("env2/lib/site.py") == "virtualenv (env2/)"
    assert discovery.skip_reason("node_modules/lib/index.js") is not None


def test_secrets_are_never_indexed_even_when_unignored(tmp_path: Path) -> None:
    settings = Settings.model_construct()
    secrets = [
        ".env",
        ".env.local",
        "config/prod.env",
        "certs/server.pem",
        "certs/server.key",
        "id_rsa",
        "id_rsa.pub",
        "id_ed25519",
        "keys/store.p12",
        "keys/store.pfx",
        "android/release.keystore",
        ".netrc",
        ".npmrc",
        ".pypirc",
        "credentials.json",
        "gcp/credentials-prod.json",
        "app_secrets.yaml",
        "k8s/db-secret.yml",
        "client_secret.json",
    ]
    for rel in secrets:
        write(tmp_path, rel, "token=abc\n")
    write(tmp_path, ".gitignore", "!.env\n!*.pem\n")
    write(tmp_path, "src/settings.py")
    assert walked(tmp_path, settings) == {".gitignore", "src/settings.py"}
    discovery = Discovery(tmp_path, settings)
    assert all(discovery.skip_reason(rel) == "secret" for rel in secrets)


def test_binary_and_size_cap(tmp_path: Path) -> None:
    settings = Settings.model_construct().model_copy(update={"max_file_bytes": 1000})
    write(tmp_path, "blob.dat", b"abc\0def")
    write(tmp_path, "big.py", "x = 1\n" * 500)
    write(tmp_path, "ok.py")
    discovery = Discovery(tmp_path, settings)
    assert walked(tmp_path, settings) == {"blob.dat", "ok.py"}  # content is sniffed on read
    assert discovery.skip_reason("blob.dat") == "binary"
    assert discovery.skip_reason("big.py") is not None
    assert discovery.skip_reason("ok.py") is None


def test_symlinks_leaving_the_root_are_not_followed(tmp_path: Path) -> None:
    settings = Settings.model_construct()
    root, outside = tmp_path / "root", tmp_path / "outside"
    write(outside, "secret_stuff.py")
    write(root, "src/a.py")
    os.symlink(outside, root / "linked_dir")
    os.symlink(outside / "secret_stuff.py", root / "linked_file.py")
    os.symlink(root / "src", root / "alias")  # inside the root: indexed as src/, once
    os.symlink(root / "src" / "a.py", root / "a_link.py")
    os.symlink(root, root / "src" / "loop")  # a cycle must not hang the walk
    files = walked(root, settings)
    assert "src/a.py" in files
    assert not any(path.startswith(("alias/", "a_link", "src/loop")) for path in files), files
    assert not any(path.startswith("linked") for path in files)
    discovery = Discovery(root, settings)
    assert discovery.skip_reason("linked_file.py") == "symlink leaves the root"
    assert discovery.skip_reason("alias/a.py") == "symlink to src/a.py (indexed under its own path)"
    assert discovery.skip_reason("a_link.py") == "symlink to src/a.py (indexed under its own path)"
    assert discovery.skip_reason("src/a.py") is None
    assert discovery.skip_reason(root / "linked_dir" / "secret_stuff.py") is not None
    assert discovery.skip_reason(outside / "secret_stuff.py") is not None


def test_walk_under_a_folder_respects_parent_rules(tmp_path: Path) -> None:
    settings = Settings.model_construct()
    write(tmp_path, ".gitignore", "vendor/\n")
    write(tmp_path, "vendor/lib/a.py")
    write(tmp_path, "src/lib/b.py")
    discovery = Discovery(tmp_path, settings)
    assert [f.path for f in discovery.walk("vendor/lib")] == []
    assert [f.path for f in discovery.walk("src")] == ["src/lib/b.py"]
