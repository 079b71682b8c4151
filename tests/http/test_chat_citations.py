"""REST chat cites code as search does: relative to the workspace root, with that root."""

from __future__ import annotations

from pathlib import Path

from tests.fakes.openai_server import FakeOpenAIServer
from tests.support.rest_chat import served_chat


async def test_chat_and_history_cite_paths_relative_to_the_root(
    fake_openai: FakeOpenAIServer, repo: Path, tmp_path: Path
):
    fake_openai.reply_text = "circle_area multiplies pi by the radius squared."
    async with served_chat(fake_openai, tmp_path / "data") as (api, services):
        workspace = await services.add_workspace(repo)
        assert (await workspace.index.wait_until_complete(120)).complete
        response = await api.post("/api/v1/chat", json={"message": "How is circle_area computed?"})
        body = await response.json()
        assert response.status == 200, body
        cited = {(c["path"], c["root"]) for c in body["citations"]}
        assert ("geometry.py", str(repo.resolve())) in cited
        assert all(not Path(c["path"]).is_absolute() for c in body["citations"])

        history = await api.get(f"/api/v1/chat/sessions/{body['session_id']}/history")
        stored = (await history.json())["turns"][-1]["citations"]
        assert stored == body["citations"]

        search = await api.post("/api/v1/rag/search", json={"query": "circle area", "k": 1})
        hit = (await search.json())["results"][0]
        assert hit["path"] == "geometry.py"  # the same form as a search result
