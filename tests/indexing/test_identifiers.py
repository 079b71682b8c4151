"""Identifier expansion for the keyword index."""

from __future__ import annotations

from server.indexing.identifiers import expand, fts_match, split_identifier


def test_camel_snake_and_acronyms() -> None:
    assert expand("parseHTTPResponse") == "parse http response parsehttpresponse"
    assert expand("parse_http_response") == "parse http response parsehttpresponse"
    assert split_identifier("XMLHttpRequest") == ["xml", "http", "request"]
    assert split_identifier("HTTPServer") == ["http", "server"]
    assert expand("__init__") == "init"
    assert expand("naïveCafé") == "naïve café naïvecafé"


def test_query_is_expanded_like_the_index() -> None:
    assert fts_match("parseHTTP?") == '"parse" OR "http" OR "parsehttp"'
    assert fts_match("  ...  ") is None
