"""Property-based checks of the running API against its own `/openapi.json` (schemathesis).

Bounded and deterministic: at most 25 generated cases per operation, derandomized. Every
response must be a non-5xx whose status, content type and body match the document.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.http.conftest import ServerThread

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    tmp: Path = tmp_path_factory.mktemp("schemathesis")
    # generous limits: this is about shapes, not throttling (tested elsewhere)
    with ServerThread(tmp, AURO_HTTP_RATE_LIMIT="100000", AURO_HTTP_RATE_BURST="100000") as srv:
        yield srv


@pytest.fixture(scope="module")
def api_schema(server: ServerThread):
    schema = schemathesis.openapi.from_url(
        f"{server.url}/openapi.json",
        headers={"Authorization": f"Bearer {server.token}"},
        timeout=30,
    )
    schema.config.update(base_url=server.url)
    return schema


def operations(api_schema) -> list:
    found = [result.ok() for result in api_schema.get_all_operations()]
    assert len(found) >= 10
    return found


# schemathesis' own pytest integration (`from_fixture`) does not run under pytest 9, so each
# operation gets an explicit Hypothesis test here; all failures are reported together.
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_matches_its_openapi(api_schema, server: ServerThread, mode: GenerationMode) -> None:
    headers = {"Authorization": f"Bearer {server.token}"}
    failures: list[str] = []
    for operation in operations(api_schema):

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=25,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case) -> None:
            # schemathesis makes up bearer tokens for the security scheme: send the real one
            case.headers = {**(case.headers or {}), **headers}
            case.call_and_validate(base_url=server.url, headers=headers, checks=CHECKS, timeout=60)

        try:
            check()
        except Unsatisfiable:
            assert mode is GenerationMode.NEGATIVE  # nothing to negate: no parameters, no body
        except Exception as exc:  # noqa: BLE001 - collected and reported below
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert not failures, "\n\n".join(failures)
