"""The secret rules alone: names (any case), symlink targets and content signatures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import server.secret_rules
from server.config import Settings
from server.indexing.discovery import Discovery
from server.secret_rules import (
    has_secret_content,
    is_secret_name,
    is_secret_path,
    secret_content_kind,
)
from tests.security.secret_fixtures import (
    ORDINARY_NAMES,
    ORDINARY_TEXTS,
    SECRET_NAMES,
    link,
    secret_texts,
    write,
)


@pytest.mark.parametrize("rel", SECRET_NAMES)
def test_credential_file_names_are_secret_in_any_case(rel: str) -> None:
    assert is_secret_name(rel)
    assert is_secret_name(rel.upper()) and is_secret_name(rel.lower())
    assert is_secret_name(f"deep/nested/{rel}")


@pytest.mark.parametrize("rel", ORDINARY_NAMES)
def test_ordinary_names_are_not_secret(rel: str) -> None:
    assert not is_secret_name(rel)


def test_secret_folders_cover_everything_inside() -> None:
    for folder in (".ssh", ".SSH", ".aws", ".gnupg", ".azure"):
        assert is_secret_name(folder, is_dir=True)
        assert is_secret_name(f"{folder}/anything.txt")


def test_symlinks_are_judged_by_their_target_too(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write(root, "real/.env", "A=1\n")
    write(root, "real/ID_RSA", "x\n")
    write(root, "real/vault/.SSH/key", "x\n")
    write(root, "src/app.py", "x = 1\n")
    link(root, "notes.txt", "real/.env")
    link(root, "deploy_key.txt", "real/ID_RSA")
    link(root, "conf", "real/vault/.SSH")
    link(root, "readme.txt", "src/app.py")
    assert is_secret_path(root / "notes.txt", root)
    assert is_secret_path("deploy_key.txt", root)
    assert is_secret_path(root / "conf", root, is_dir=True)
    assert is_secret_path(root / "conf" / "key", root)
    assert not is_secret_path(root / "readme.txt", root)
    assert not is_secret_path(root / "src" / "app.py", root)
    # a link that leaves the root is judged by the target's absolute path
    write(tmp_path, "home/.aws/credentials", "[default]\n")
    link(root, "aws.txt", str(tmp_path / "home" / ".aws" / "credentials"))
    assert is_secret_path(root / "aws.txt", root)


def test_root_folder_names_do_not_make_files_secret(tmp_path: Path) -> None:
    root = tmp_path / "credentials" / ".env-project"
    write(root, "src/app.py", "x = 1\n")
    assert not is_secret_path(root / "src" / "app.py", root)


@pytest.mark.parametrize("kind", sorted(secret_texts()))
def test_content_signatures(kind: str) -> None:
    text = secret_texts()[kind]
    assert has_secret_content(text) and has_secret_content(text.encode())
    assert secret_content_kind(f"def f():\n    pass\n\n{text}\n# more code\n") is not None


@pytest.mark.parametrize("text", ORDINARY_TEXTS)
def test_ordinary_texts_have_no_secret(text: str) -> None:
    assert secret_content_kind(text) is None


def test_the_rules_module_itself_is_not_a_secret() -> None:
    """Auro can index its own source: the signatures do not match their own regexes."""
    source = Path(server.secret_rules.__file__).read_text()
    assert secret_content_kind(source) is None


def test_discovery_skips_secrets_by_name_link_and_ignore_negation(tmp_path: Path) -> None:
    settings = Settings.model_construct()
    for rel in SECRET_NAMES:
        write(tmp_path, rel, "value\n")
    write(tmp_path, ".gitignore", "!.env\n!*.pem\n!.envrc\n")
    write(tmp_path, "src/app.py", "x = 1\n")
    write(tmp_path, "real/.env", "A=1\n")
    link(tmp_path, "notes.txt", "real/.env")
    discovery = Discovery(tmp_path, settings)
    walked = {found.path for found in discovery.walk()}
    assert walked == {".gitignore", "src/app.py"}
    for rel in (*SECRET_NAMES, "notes.txt"):
        if (tmp_path / rel).exists():  # case-insensitive file systems merge `.env`/`.ENV`
            assert discovery.skip_reason(rel) == "secret", rel
    assert discovery.skip_reason("src/app.py") is None


def test_discovery_refuses_secret_content_by_kind(tmp_path: Path) -> None:
    discovery = Discovery(tmp_path, Settings.model_construct())
    for text in secret_texts().values():
        assert discovery.holds_secret("src/x.py", text.encode())
    assert not discovery.holds_secret("src/x.py", b"def f():\n    return 1\n")


def test_symlink_loop_is_not_a_crash(tmp_path: Path) -> None:
    os.symlink(tmp_path / "b", tmp_path / "a")
    os.symlink(tmp_path / "a", tmp_path / "b")
    assert not is_secret_path(tmp_path / "a", tmp_path)
