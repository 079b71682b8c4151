"""`cli/headless.py`: the services with one root, closed however the command ends."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from server.cli.headless import OpenFailed, headless
from server.config import Settings


def settings_in(tmp_path: Path) -> Settings:
    return Settings.model_validate(
        {
            "data_dir": str(tmp_path / "data"),
            "llamacpp_server_url": "",
            "openai_api_key": "",
            "gemini_api_key": "",
            "embedding_backend": "torch",  # built, never loaded: nothing is indexed here
        }
    )


async def settled() -> set[asyncio.Task]:
    """The tasks still running besides this test's own, once cancellations have landed."""
    await asyncio.sleep(0.05)
    return asyncio.all_tasks() - {asyncio.current_task()}


async def test_a_root_that_cannot_be_opened_is_reported_and_nothing_stays_running(tmp_path):
    before = await settled()
    notes = tmp_path / "notes.txt"
    notes.write_text("not a folder\n")
    with pytest.raises(OpenFailed) as caught:
        async with headless(settings_in(tmp_path), notes):
            raise AssertionError("the block must not run without its root")
    assert isinstance(caught.value.cause, ValueError)
    assert str(caught.value).startswith(f"cannot open the index of {notes}: ")
    assert await settled() == before, "the session sweeper was stopped"


async def test_a_failing_command_still_closes_the_services(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    before = await settled()
    with pytest.raises(RuntimeError, match="the command failed"):
        async with headless(settings_in(tmp_path), root) as opened:
            assert opened.workspace.root == root.resolve()
            assert not opened.services.settings.watch_files, "one-shot commands do not watch"
            raise RuntimeError("the command failed")
    assert await settled() == before, "the index workers and the sweeper were stopped"
