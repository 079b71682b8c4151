"""Credential files and texts for the secret tests, and a workspace that holds them.

Every secret carries a unique marker word, so a test can look for it in search results,
the keyword index, REST answers and the prompts the fake LLM recorded. Key-like strings
are assembled at run time so that this file itself holds none.
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.indexing.fixture_repo import make_repo

DASHES = "-" * 5


def pem(label: str) -> str:
    return f"{DASHES}BEGIN {label}{DASHES}\nMIIEowIBAAKCAQEA7s1Xq\n{DASHES}END {label}{DASHES}\n"


# Paths the name rules must catch (mixed case included), each with harmless-looking text.
SECRET_NAMES = (
    ".env",
    ".ENV",
    ".env.local",
    ".env.Production",
    ".envrc",
    "config/prod.env",
    "id_rsa",
    "ID_RSA",
    "id_rsa.pub",
    "id_ed25519",
    "id_ecdsa",
    "id_dsa",
    "keys/deploy.ppk",
    "SERVER.PEM",
    "certs/server.key",
    "certs/site.crt",
    "keys/store.p12",
    "keys/store.PFX",
    "android/release.jks",
    "android/release.keystore",
    "gpg/secret.gpg",
    "gpg/private.asc",
    "home/.gnupg/pubring.kbx",
    "home/.ssh/config",
    "home/.ssh/known_hosts",
    ".aws/credentials",
    ".aws/config",
    ".azure/msal_token_cache.json",
    ".config/gcloud/credentials.db",
    ".config/gcloud/legacy_credentials/me/adc.json",
    "application_default_credentials.json",
    "deploy/my-service-account.json",
    "deploy/prod_service_account.json",
    ".kube/config",
    "kubeconfig",
    "KubeConfig.yaml",
    "ops/cluster.kubeconfig",
    ".docker/config.json",
    ".dockercfg",
    ".npmrc",
    ".pypirc",
    ".netrc",
    "_netrc",
    ".git-credentials",
    ".s3cfg",
    ".boto",
    ".vault-token",
    ".pgpass",
    "auth.json",
    "credentials",
    "credentials.json",
    "credentials.toml",
    "Credentials.YAML",
    "credentials.xml",
    "token.json",
    "secrets.json",
    "secrets.yaml",
    "secrets.toml",
    "client_secret.json",
    "k8s/db-secret.yml",
    "infra/prod.tfvars",
    "infra/terraform.tfstate",
    "infra/terraform.tfstate.backup",
    "htpasswd",
    ".htpasswd",
)

# Ordinary source and config files whose names come close; they must stay indexable.
ORDINARY_NAMES = (
    "src/app.py",
    "src/environment.py",
    "src/env.ts",
    "envoy.yaml",
    "secrets.py",
    "server/secret_rules.py",
    "src/credentials.py",
    "docs/keys.md",
    "keyboard.py",
    "tokenizer.json",
    "package.json",
    "config.json",
    "kube/deploy.yaml",
    "main.tf",
    "tests/test_auth.py",
)


def secret_texts() -> dict[str, str]:
    """Texts that hold a key or token in a well-known format, by kind."""
    return {
        "rsa": "KEY = '''\n" + pem("RSA PRIVATE KEY") + "'''\n",
        "openssh": pem("OPENSSH PRIVATE KEY"),
        "pkcs8": pem("PRIVATE KEY"),
        "encrypted": pem("ENCRYPTED PRIVATE KEY"),
        "ec": pem("EC PRIVATE KEY"),
        "pgp": pem("PGP PRIVATE KEY BLOCK"),
        "aws": "aws_key = '" + "AKIA" + "Q3EGRIBCHYWZ5XK7" + "'\n",
        "github": "TOKEN = '" + "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8" + "'\n",
        "github_pat": "t = '" + "github_pat_" + "11ABCDEFG0123456789_abcdefghijKLMNOP" + "'\n",
        "slack": "SLACK = '" + "xoxb-" + "2048-1234567890-AbCdEfGhIjKl" + "'\n",
        "openai": "key = '" + "sk-" + "proj-" + "Zx9" * 16 + "'\n",
        "openai_legacy": "key = '" + "sk-" + "T3BlbkFJ" * 6 + "'\n",
        "google": "maps = '" + "AIza" + "SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY" + "'\n",
        "service_json": '{"type": "service_account", "' + "private_key" + '": "MIIE..."}\n',
    }


# Texts that look a little like keys but are not.
ORDINARY_TEXTS = (
    pem("CERTIFICATE"),
    pem("PUBLIC KEY"),
    "OPENAI_API_KEY=sk-test123\n",
    "def task_runner():\n    return 'sk-learn'\n",
    "private_key = load_key(path)\n",
    "AKIA is the prefix of AWS access key ids\n",
    "ghp_ tokens are GitHub personal access tokens\n",
)


def marker(rel: str) -> str:
    """A word found only in the secret file `rel`; queries use it."""
    return "zq" + "".join(c for c in rel.lower() if c.isalnum()) + "marker"


def payload(word: str) -> str:
    """What a secret file holds around its marker: `payload-<marker>` must never leave."""
    return f"def {word}():\n    return 'payload-{word}'\n"


def link(root: Path, rel: str, target: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(target, path)


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def make_secret_repo(root: Path) -> dict[str, str]:
    """The fixture repo plus secrets by name, by link and by content: {path: marker}.

    The case-variant names (`.ENV`, `ID_RSA`) need a case-sensitive file system; on others
    the later write replaces the earlier file, which is still a secret.
    """
    make_repo(root)
    markers: dict[str, str] = {}
    for rel in SECRET_NAMES:
        markers[rel] = marker(rel)
        write(root, rel, payload(markers[rel]))
    for kind, text in secret_texts().items():
        rel = f"src/leak_{kind}.py"
        markers[rel] = marker(rel)
        write(root, rel, payload(markers[rel]) + text)
    targets = {
        "notes.txt": "real/.env",
        "deploy_key.txt": "real/id_rsa",
        "conf/key_material": "real/store/.ssh/key_material",
    }
    for rel, target in targets.items():
        markers[rel] = marker(rel)
        write(root, target, payload(markers[rel]))
    link(root, "notes.txt", "real/.env")
    link(root, "deploy_key.txt", "real/id_rsa")
    link(root, "conf", "real/store/.ssh")
    return markers
