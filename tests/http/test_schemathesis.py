"""Property-based checks of the running API against its own `/openapi.json` (schemathesis).

Bounded and deterministic: at most 25 generated cases per operation, derandomized. Every
response must be a non-5xx whose status, content type and body match the document.

Beyond what the schema describes, each operation also gets hostile shapes (issue #20): JSON
nested up to 100,000 deep, integer literals of thousands of digits, and header values with
bytes that are not UTF-8. Those bodies must be refused with a 422 naming a field.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings, strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.http_app import ServerThread

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


# --- hostile shapes --------------------------------------------------------------------------

PLACEHOLDER = "\u0000hostile\u0000"  # replaced by raw JSON text after json.dumps
ODD_BYTES = [b"\xff", b"\x80", b"\xc3\x28", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xfe\xfe"]
HEADERS = ["Authorization", "Host", "Origin", "X-Request-Id", "Accept", "Last-Event-ID", "Cookie"]


def deep_json(depth: int, kind: str) -> str:
    """Nesting no encoder would produce: json.dumps itself recurses."""
    if kind == "list":
        return "[" * depth + "]" * depth
    return '{"a": ' * depth + "1" + "}" * depth


@st.composite
def hostile_body(draw: st.DrawFn, body: Any) -> tuple[bytes, str]:
    """`body` with one field (or a new one) made hostile, as raw bytes, and that field's name."""
    fields = dict(body) if isinstance(body, dict) else {}
    name = draw(st.sampled_from([*sorted(fields), "extra"]))
    fields[name] = PLACEHOLDER
    if draw(st.booleans()):
        depth = draw(st.sampled_from([65, 1_000, 100_000]) | st.integers(65, 5_000))
        literal = deep_json(depth, draw(st.sampled_from(["list", "dict"])))
    else:
        sign = draw(st.sampled_from(["", "-"]))
        literal = sign + "9" * draw(st.sampled_from([401, 4_301, 5_000]) | st.integers(401, 20_000))
    text = json.dumps(fields).replace(json.dumps(PLACEHOLDER), literal)
    return text.encode(), name


@st.composite
def odd_header(draw: st.DrawFn) -> tuple[str, bytes]:
    """A header whose value holds bytes that are not UTF-8.

    Only octets HTTP allows in a field value (visible ASCII and obs-text 0x80-0xFF): control
    characters are refused by aiohttp's parser before the app sees the request.
    """
    printable = st.binary(max_size=24).map(lambda b: bytes(c for c in b if 0x20 < c != 0x7F))
    value = draw(printable) + draw(st.sampled_from(ODD_BYTES)) + draw(printable)
    name = draw(st.sampled_from(HEADERS))
    return name, (b"Bearer " + value if name == "Authorization" and draw(st.booleans()) else value)


def _has_body(operation) -> bool:
    return operation.method.upper() in {"POST", "PUT"} and bool(operation.body)


@pytest.mark.parametrize("shape", ["body", "headers"])
def test_api_refuses_hostile_shapes(api_schema, server: ServerThread, shape: str) -> None:
    """Every operation: deep or huge-number bodies get a 422 naming a field; odd header bytes
    never a 5xx, and every answer still matches the document."""
    auth = {"Authorization": f"Bearer {server.token}"}
    failures: list[str] = []
    exercised = 0
    for operation in operations(api_schema):
        if shape == "body" and not _has_body(operation):
            continue
        exercised += 1

        @st.composite
        def cases(draw: st.DrawFn, operation=operation) -> tuple[Case, str, dict[str, bytes]]:
            case = draw(operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
            case.headers = {**(case.headers or {}), **auth}
            if shape == "body":
                case.body, field = draw(hostile_body(case.body))
                return case, field, {}
            # sent beside the case: schemathesis validates its own headers as JSON strings
            name, value = draw(odd_header())
            return case, name, {name: value}

        @given(drawn=cases())
        @settings(
            max_examples=15,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(drawn: tuple[Case, str, dict[str, bytes]]) -> None:
            case, field, odd = drawn
            response = case.call(base_url=server.url, headers=odd, timeout=60)
            case.validate_response(response, checks=CHECKS, headers=odd)
            if shape == "body":
                assert response.status_code == 422, response.text
                error = response.json()["error"]
                assert error["code"] == "invalid_json", error
                named = [d["field"] for d in error["details"]]
                assert named in (["body"], [field]) or named[0].startswith(f"{field}."), error

        try:
            check()
        except Exception as exc:  # noqa: BLE001 - collected and reported below
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert exercised >= (4 if shape == "body" else 10)
    assert not failures, "\n\n".join(failures)
