"""The completion recall benchmark's held-out cases and scoring, on a small hand-made
package (the benchmark itself indexes a real library: `python -m bench.completion_recall`)."""

from pathlib import Path

from bench.completion_recall import given, make_cases, other_file

MODELS = """class Request:
    def __init__(self, url):
        self.url = url


def encode_url(url):
    return url.replace(" ", "%20")
"""
CLIENT = '''from pkg.models import Request, encode_url


class Client:
    def send(self, url):
        """Send one request."""
        target = encode_url(url)
        request = Request(target)
        return self.finish(request)

    def finish(self, request):
        return request
'''


def package(tmp_path: Path) -> Path:
    root = tmp_path / "pkg"
    root.mkdir()
    (root / "models.py").write_text(MODELS)
    (root / "client.py").write_text(CLIENT)
    return root


def test_cases_blank_a_line_and_a_body_and_resolve_what_they_use(tmp_path: Path):
    cases = make_cases(package(tmp_path), 5, seed=1)
    body = next(c for c in cases if c.kind == "body" and c.function == "send")
    used = {options[0].name: options for options in body.uses}
    assert set(used) == {"encode_url", "Request", "finish"}
    assert body.prefix.endswith('"""Send one request."""\n        ')
    assert "encode_url(url)" not in body.prefix + body.suffix  # the body is blanked
    assert body.suffix.startswith("\n\n    def finish")
    assert other_file(body, used["Request"]) and not other_file(body, used["finish"])
    line = next(c for c in cases if c.kind == "line" and c.function == "send")
    assert len(line.uses) == 1  # one line blanked, the others kept:
    assert line.prefix.count("\n") + line.suffix.count("\n") == CLIENT.count("\n")


def test_a_definition_counts_when_its_header_is_in_the_window_or_a_chunk_of_its_file(
    tmp_path: Path,
):
    body = next(c for c in make_cases(package(tmp_path), 5, seed=1) if c.kind == "body")
    names = [options[0].name for options in body.uses]
    window = body.prefix + body.suffix
    found = dict(zip(names, given(body, window, []), strict=True))
    assert found == {"encode_url": False, "Request": False, "finish": True}
    chunks = [("models.py", "def encode_url(url):\n    return url")]
    with_index = dict(zip(names, given(body, window, chunks), strict=True))
    assert with_index["encode_url"] and not with_index["Request"]
    elsewhere = [("other.py", "def encode_url(url):\n    return url")]
    assert not dict(zip(names, given(body, window, elsewhere), strict=True))["encode_url"]
