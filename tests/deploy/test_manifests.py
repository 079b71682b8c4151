"""Deployment files: they parse, their probes hit real endpoints, the image installs like
`make setup`. No Docker engine is needed."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from server.http import openapi
from server.http.app import create_app
from tests.support.http_app import open_services

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = sorted((DEPLOY / "k8s").glob("*.yaml"))


def documents() -> Iterator[tuple[Path, dict[str, Any]]]:
    for path in [DEPLOY / "compose.yaml", *K8S]:
        for doc in yaml.safe_load_all(path.read_text()):
            assert isinstance(doc, dict), path
            yield path, doc


def walk(node: Any, key: str) -> Iterator[Any]:
    if isinstance(node, dict):
        for k, v in node.items():
            if k == key:
                yield v
            yield from walk(v, key)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item, key)


def auro_probe_paths() -> dict[str, str]:
    """probe kind -> path, for the auro-pai containers only."""
    probes: dict[str, str] = {}
    for _, doc in documents():
        for containers in walk(doc, "containers"):
            for container in containers:
                if container["name"] != "auro-pai":
                    continue
                for kind in ("livenessProbe", "readinessProbe", "startupProbe"):
                    if kind in container:
                        probes[kind] = container[kind]["httpGet"]["path"]
    return probes


def test_manifests_parse_and_have_kinds() -> None:
    kinds = {(doc.get("kind"), doc.get("metadata", {}).get("name")) for _, doc in documents()}
    assert ("Deployment", "auro-pai") in kinds
    assert ("Service", "auro-pai") in kinds
    assert ("StatefulSet", "chroma") in kinds
    assert ("Deployment", "llamacpp") in kinds
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    assert set(compose["services"]) == {"auro", "chroma", "llamacpp"}
    assert compose["services"]["auro"]["environment"]["CHROMADB_HOST"] == "chroma"


def test_auro_runs_as_non_root_with_a_secret_token() -> None:
    for _, doc in documents():
        if doc.get("kind") == "Deployment" and doc["metadata"]["name"] == "auro-pai":
            pod = doc["spec"]["template"]["spec"]
            assert pod["securityContext"]["runAsNonRoot"] is True
            env = {e["name"]: e for e in pod["containers"][0]["env"]}
            assert "secretKeyRef" in env["AURO_HTTP_TOKEN"]["valueFrom"]
            assert env["CHROMADB_HOST"]["value"] == "chroma"


async def test_probe_paths_exist_in_openapi(tmp_path: Path) -> None:
    services = await open_services(tmp_path)
    try:
        doc = openapi.build(create_app(services))
    finally:
        await services.close()
    probes = auro_probe_paths()
    assert probes["livenessProbe"] == "/api/v1/health/liveness"
    assert probes["readinessProbe"] == "/api/v1/health/readiness"
    for path in probes.values():
        assert "get" in doc["paths"][path]
        assert doc["paths"][path]["get"]["security"] == []  # probes need no token
    healthchecks = [" ".join(hc["test"]) for _, d in documents() for hc in walk(d, "healthcheck")]
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    for text in [*healthchecks, dockerfile]:
        for path in re.findall(r"/api/v1/[\w/]+", text):
            assert path in doc["paths"], path


def make_setup_commands() -> list[str]:
    """The recipe of `make setup` ($(STAMP)), variables expanded, bookkeeping dropped."""
    makefile = (ROOT / "Makefile").read_text()
    variables = dict(re.findall(r"^(\w+)\s*\??:?=\s*(.+)$", makefile, re.M))
    recipe = re.search(r"^\$\(STAMP\):.*\n((?:\t.*\n)+)", makefile, re.M)
    assert recipe, "make setup recipe not found"
    commands = []
    for line in recipe.group(1).splitlines():
        command = line.strip()
        for _ in range(3):
            command = re.sub(r"\$\((\w+)\)", lambda m: variables[m.group(1)].strip(), command)
        if not command.startswith("touch "):
            commands.append(command)
    return commands


def test_dockerfile_installs_like_make_setup() -> None:
    text = (DEPLOY / "Dockerfile").read_text().replace("\\\n", " ")
    runs = [shlex.split(m) for m in re.findall(r"^RUN (.+)$", text, re.M)]
    commands = make_setup_commands()
    assert any("pip install" in c for c in commands)
    for command in commands:
        assert shlex.split(command) in runs, command
    stages = re.findall(r"^FROM \S+ AS (\w+)", text, re.M)
    assert len(stages) >= 2  # multi-stage
    assert re.search(r"^USER (?!root|0)\S+", text, re.M)  # non-root
    assert "download.pytorch.org/whl/cpu" in text  # CPU torch
