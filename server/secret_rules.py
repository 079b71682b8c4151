"""Which files and texts are credentials, so they never leave the process.

One set of rules for every exit: the index, search results, chat context, code-action
context and REST. Paths match case-insensitively (`.ENV`, `ID_RSA`) on both the name a
file is reached by and the file a symlink resolves to (`notes.txt -> .env`). Content
signatures catch keys that live in ordinarily named files.
"""

from __future__ import annotations

import os
import re
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

_SPEC = pathspec.GitIgnoreSpec.from_lines(p.lower() for p in SECRET_PATTERNS)

# Each regex is written so that its own source text does not match it.
SECRET_SIGNATURES: dict[str, re.Pattern[str]] = {
    "private key": re.compile(r"-{5}BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-{5}"),
    "private key in JSON": re.compile(r'"private_key"\s*:\s*"'),
    "AWS access key id": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_\w{22,})"),
    "GitLab token": re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}"),
    "Slack token": re.compile(r"\bxox[baprs]-[A-Za-z0-9-]{10,}"),
    "OpenAI-style API key": re.compile(r"\bsk-(?:[A-Za-z]+-)?[A-Za-z0-9_-]{32,}"),
    "Stripe live key": re.compile(r"\b[rs]k_live_[A-Za-z0-9]{24,}"),
    "Google API key": re.compile(r"\bAIza[0-9A-Za-z_-]{35}"),
    "npm token": re.compile(r"\bnpm_[A-Za-z0-9]{36}\b"),
    "PyPI token": re.compile(r"\bpypi-AgE[A-Za-z0-9_-]{50,}"),
}


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
    return bool(key) and _SPEC.match_file(key + "/" if is_dir else key)


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


def secret_content_kind(text: str | bytes) -> str | None:
    """The kind of credential `text` contains (e.g. "private key"), or None."""
    if isinstance(text, bytes):
        text = text.decode("latin-1")  # every signature is ASCII
    for kind, pattern in SECRET_SIGNATURES.items():
        if pattern.search(text):
            return kind
    return None


def has_secret_content(text: str | bytes) -> bool:
    """True when `text` holds a private key or a token in a well-known format."""
    return secret_content_kind(text) is not None
