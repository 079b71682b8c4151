"""Names used at the cursor, and which chunks define them."""

from __future__ import annotations

from server.completion.definitions import defines_any, used_names

PREFIX = """import httpx


def helper(x):
    return x


def fetch(client, url):
    request = client.build_request("GET", url)
    response = Timeout(5).apply(request)
    checked = helper(response)
    return """


def test_used_names_are_calls_attributes_and_types_nearest_first_less_the_window():
    names = used_names(PREFIX, "\n")
    assert names[:3] == ["apply", "Timeout", "build_request"]
    assert "helper" not in names  # defined in the window: the model sees it
    assert "self" not in names and "GET" not in names


def test_a_chunk_defining_a_used_name_is_ranked_by_that_name():
    names = ["apply", "Timeout", "build_request"]
    assert defines_any("class Timeout:\n    def __init__(self, t): ...", names) == 1
    assert defines_any("    async def build_request(self, method, url):", names) == 2
    assert defines_any("response = Timeout(5).apply(request)", names) is None
    assert defines_any("export function apply(x) {}", ["apply"]) == 0
