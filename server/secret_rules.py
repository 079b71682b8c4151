"""Which files and texts are credentials, so they never leave the process.

One set of rules for every exit: the index, search results, chat context, code-action
context and REST. Paths match case-insensitively (`.ENV`, `ID_RSA`) on both the name a
file is reached by and the file a symlink resolves to (`notes.txt -> .env`). Content
signatures catch keys that live in ordinarily named files.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pathspec

SECRET_PATTERNS = (
    # environment files and their variants (.env.local, .envrc, prod.env)
    ".env*",
    "*.env",
    # keys and certificates
    "*.pem",
    "*.key",
    "*.crt",
    "*.p12",
    "*.pfx",
    "*.jks",
    "*.keystore",
    "*.ppk",
    "*.kdbx",
    # SSH and GPG
    "id_rsa*",
    "id_dsa*",
    "id_ecdsa*",
    "id_ed25519*",
    ".ssh/",
    "*.gpg",
    "*.asc",
    "secring.*",
    ".gnupg/",
    # cloud CLIs
    ".aws/",
    ".azure/",
    "**/gcloud/credentials.db",
    "**/gcloud/access_tokens.db",
    "**/gcloud/legacy_credentials/",
    "application_default_credentials.json",
    "*service-account*.json",
    "*service_account*.json",
    ".boto",
    ".s3cfg",
    # Kubernetes and Docker
    "**/.kube/config",
    "kubeconfig",
    "kubeconfig.*",
    "*.kubeconfig",
    ".dockercfg",
    "**/.docker/config.json",
    # package registries and git hosts
    ".npmrc",
    ".pypirc",
    ".netrc",
    "_netrc",
    ".git-credentials",
    ".vault-token",
    # databases and web servers
    ".pgpass",
    ".my.cnf",
    ".htpasswd",
    "htpasswd",
    # generic credential files
    "credentials",
    "credentials.json",
    "credentials.toml",
    "credentials.yaml",
    "credentials.yml",
    "credentials.xml",
    "credentials*.json",
    "*credentials*.y*ml",
    "auth.json",
    "token.json",
    "secrets.json",
    "secrets.toml",
    "secrets.yaml",
    "secrets.yml",
    "secrets.ini",
    "secrets.env",
    "secrets.xml",
    "secrets.txt",
    "*secret*.json",
    "*secret*.yaml",
    "*secret*.yml",
    "*secret*.toml",
    # Terraform variables and state (state holds every provisioned secret in clear)
    "*.tfvars",
    "*.tfvars.json",
    "*.tfstate",
    "*.tfstate.*",
)


def _one_regex(patterns: Sequence[str]) -> re.Pattern[str]:
    """The patterns as one regex: the walk checks every entry, pathspec checks them one by one."""
    spec = pathspec.GitIgnoreSpec.from_lines(p.lower() for p in patterns)
    parts = [p.regex.pattern.replace("(?P<ps_d>", "(?:") for p in spec.patterns if p.regex]
    return re.compile("|".join(f"(?:{part})" for part in parts))


_NAMES = _one_regex(SECRET_PATTERNS)


@dataclass(frozen=True)
class Signature:
    """A well-known credential format: literal anchors found fast, then the full pattern.

    `word` asks for a word boundary on both sides; `mixed` for a digit and a capital letter
    in the match, which tells a random key from a long kebab-case name.
    """

    anchors: tuple[str, ...]
    pattern: re.Pattern[str]
    word: bool = True
    mixed: bool = False


# Each pattern is written so that its own source text does not match it.
SIGNATURES: dict[str, Signature] = {
    "private key": Signature(
        ("-" * 5 + "BEGIN ",),
        re.compile(r"-{5}BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-{5}"),
        word=False,
    ),
    "private key in JSON": Signature(
        ('"private_key"',), re.compile(r'"private_key"\s*:\s*"'), word=False
    ),
    "AWS access key id": Signature(("AKIA", "ASIA"), re.compile(r"A[KS]IA[0-9A-Z]{16}")),
    "GitHub token": Signature(
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
        re.compile(r"gh[pousr]_[A-Za-z0-9]{36,}|github_pat_\w{22,}"),
    ),
    "GitLab token": Signature(("glpat-",), re.compile(r"glpat-[A-Za-z0-9_-]{20,}")),
    "Slack token": Signature(
        ("xoxa-", "xoxb-", "xoxp-", "xoxr-", "xoxs-"), re.compile(r"xox[abprs]-[A-Za-z0-9-]{10,}")
    ),
    "OpenAI-style API key": Signature(
        ("sk-",), re.compile(r"sk-(?:[A-Za-z0-9]+-)?[A-Za-z0-9_-]{32,}"), mixed=True
    ),
    "Stripe live key": Signature(
        ("sk_live_", "rk_live_"), re.compile(r"[rs]k_live_[A-Za-z0-9]{24,}")
    ),
    "Google API key": Signature(("AIza",), re.compile(r"AIza[0-9A-Za-z_-]{35}")),
    "npm token": Signature(("npm_",), re.compile(r"npm_[A-Za-z0-9]{36}")),
    "PyPI token": Signature(("pypi-AgE",), re.compile(r"pypi-AgE[A-Za-z0-9_-]{50,}")),
}

_BY_ANCHOR = {anchor: kind for kind, sig in SIGNATURES.items() for anchor in sig.anchors}
_ANCHORS = re.compile("|".join(re.escape(anchor) for anchor in _BY_ANCHOR))
_WORD = re.compile(r"\w")


def _shown(path: Path, root: Path | None) -> str:
    """`path` relative to `root` when inside it, else absolute (the rules match any depth)."""
    if root is not None:
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            pass
    return path.as_posix().lstrip("/")


def is_secret_name(rel: str, *, is_dir: bool = False) -> bool:
    """The path rules alone, on a POSIX path as written (no file-system access)."""
    key = rel.lower().rstrip("/")
    return bool(key) and _NAMES.match(key + "/" if is_dir else key) is not None


def is_secret_path(path: Path | str, root: Path | None = None, *, is_dir: bool = False) -> bool:
    """True when the path as named, or the file it resolves to, is a credential file.

    A relative `path` is taken relative to `root`; the resolved target is judged relative
    to the real root when it lies inside it, else by its absolute path.
    """
    base = Path(os.path.abspath(root)) if root is not None else None
    named = Path(path)
    if not named.is_absolute() and base is not None:
        named = base / named
    named = Path(os.path.abspath(named))
    if is_secret_name(_shown(named, base), is_dir=is_dir):
        return True
    real = Path(os.path.realpath(named))
    real_root = Path(os.path.realpath(base)) if base is not None else None
    return real != named and is_secret_name(_shown(real, real_root), is_dir=is_dir)


HARD_LINK = "hard link: the same file has other names, and one may be a credential file's"


def is_hard_link(path: Path | str) -> bool:
    """A regular file with other names: one of them may be a secret's (`.env` linked as
    `notes.txt`), which no rule on this name can see, so its text never leaves."""
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return False
    return stat.S_ISREG(info.st_mode) and info.st_nlink > 1


def _is_key(text: str, found: re.Match[str], signature: Signature) -> bool:
    start, end = found.span()
    if signature.word and ((start > 0 and _WORD.match(text, start - 1)) or _WORD.match(text, end)):
        return False
    value = found.group()
    return not signature.mixed or (
        any(c.isdigit() for c in value) and any(c.isupper() for c in value)
    )


def secret_content_kind(text: str | bytes) -> str | None:
    """The kind of credential `text` contains (e.g. "private key"), or None.

    One scan for the anchors (rare in code), then the full pattern at each one found.
    """
    if isinstance(text, bytes):
        text = text.decode("latin-1")  # every signature is ASCII
    for anchor in _ANCHORS.finditer(text):
        kind = _BY_ANCHOR[anchor.group()]
        signature = SIGNATURES[kind]
        found = signature.pattern.match(text, anchor.start())
        if found is not None and _is_key(text, found, signature):
            return kind
    return None


def has_secret_content(text: str | bytes) -> bool:
    """True when `text` holds a private key or a token in a well-known format."""
    return secret_content_kind(text) is not None
