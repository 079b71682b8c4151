"""The VS Code extension declares trust the way the server enforces it: every server setting it
contributes that the server treats as user-only is machine-scoped, restricted in untrusted
workspaces and sent in initializationOptions; the workspace-safe ones are not."""

from __future__ import annotations

import json
import re
from pathlib import Path

from server.config import SPELLINGS
from server.settings_model import SENSITIVE, WORKSPACE_SAFE

VSCODE = Path(__file__).resolve().parents[2] / "editors" / "vscode"
CLIENT_ONLY = ("server.", "trace.", "chat.", "search.", "inlineCompletion.")


def contributed() -> dict[str, dict]:
    package = json.loads((VSCODE / "package.json").read_text())
    settings: dict[str, dict] = {}
    for group in package["contributes"]["configuration"]:
        settings.update(group["properties"])
    return settings


def ts_list(name: str) -> set[str]:
    source = (VSCODE / "src" / "core" / "settings.ts").read_text()
    match = re.search(rf"export const {name}: readonly string\[\] = \[(.*?)\];", source, re.S)
    assert match, name
    return set(re.findall(r"'(\w+)'", match.group(1)))


def test_server_settings_are_scoped_by_the_servers_trust_rule():
    package = json.loads((VSCODE / "package.json").read_text())
    trust = package["capabilities"]["untrustedWorkspaces"]
    assert trust["supported"] == "limited" and trust["description"]
    restricted = set(trust["restrictedConfigurations"])
    user_only, workspace = ts_list("USER_ONLY_KEYS"), ts_list("WORKSPACE_KEYS")
    server_keys = set()
    for key, spec in contributed().items():
        name = key.removeprefix("auro.")
        if name.startswith(CLIENT_ONLY):
            if name.startswith("server."):  # the command the editor runs
                assert key in restricted, key
            continue
        if name == "extraSettings":  # any key: user settings only
            assert spec["scope"] == "machine" and key in restricted
            continue
        field = SPELLINGS[name.lower()]
        server_keys.add(name)
        if field in SENSITIVE:
            assert spec.get("scope") in ("machine", "application"), key
            assert key in restricted, key
            assert name in user_only, key
        else:
            assert field in WORKSPACE_SAFE
            assert spec.get("scope") not in ("machine", "application"), key
            assert name in workspace, key
    assert server_keys == user_only | workspace
