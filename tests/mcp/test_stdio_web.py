"""`fetch_url` and `web_search` over stdio: the same SSRF guard, allow-list and switches as
the REST tools. The one site is local; private addresses not on the allow-list are refused
before any connection is made."""

from __future__ import annotations

from pathlib import Path

from tests.support.mcp_client import call, error_text, mcp_env, mcp_session


async def test_fetch_url_reads_an_allowed_page_and_refuses_the_rest(
    local_site: str, repo: Path, tmp_path: Path
):
    env = mcp_env(
        tmp_path / "data", AURO_FETCH_ALLOW_HOSTS=local_site, AURO_FETCH_RESPECT_ROBOTS="false"
    )
    async with mcp_session(env, repo, tmp_path / "stderr") as (session, stray):
        page = await call(session, "fetch_url", url=f"http://{local_site}/page")
        fetched = page.structured_content
        assert fetched["title"] == "Guide Page" and "Install guide" in fetched["text"]
        assert fetched["truncated"] is False

        refusals = {
            "http://169.254.169.254/latest/meta-data/": "link-local",  # cloud metadata
            "http://127.0.0.1:9/": "loopback",  # a local port not on the allow-list
            "http://10.0.0.1/": "private-use",
            "file:///etc/passwd": "only http and https",
            "not a url": "only http and https",
        }
        for url, reason in refusals.items():
            assert reason in error_text(await call(session, "fetch_url", url=url)), url

        disabled = error_text(await call(session, "web_search", query="aiohttp streaming"))
        assert "web search is disabled (WEB_SEARCH_ENABLED=false)" in disabled
    assert stray == []
