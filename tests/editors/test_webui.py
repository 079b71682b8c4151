"""End to end: the web UI (server/webui) in headless Debian Chromium, driven by Selenium with
/usr/bin/chromedriver, against `auro-pai serve` over a tiny workspace and the fake LLM.

Selenium's calls block, so the browser is driven from a worker thread while the fake LLM keeps
answering on the test's event loop.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.editors.conftest import llm_env
from tests.fakes.common import Reply
from tests.fakes.openai_server import FakeOpenAIServer

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROME_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1280,900",
)

try:
    from selenium import webdriver
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:  # pragma: no cover - the dev extra installs it
    webdriver = None

MISSING = [p for p in (CHROMIUM, CHROMEDRIVER) if not os.path.exists(p)]
pytestmark = [
    pytest.mark.skipif(webdriver is None, reason="selenium is not installed (dev extra)"),
    pytest.mark.skipif(
        bool(MISSING), reason=f"{', '.join(MISSING)} missing (apt-get install chromium-driver)"
    ),
    pytest.mark.timeout(150),
]

ANSWER = "divide() raises ZeroDivisionError when b is zero; add() never fails."
HOSTILE = '<img src=x onerror="window.__pwned=1"><b>not bold</b> & <script>x()</script>'
STORY = "Once upon a time " + "a function divided numbers. " * 60


@dataclass
class Served:
    url: str
    token: str


@pytest.fixture
async def served(
    workspace: Path, fake_openai: FakeOpenAIServer, tmp_path: Path
) -> AsyncIterator[Served]:
    """`auro-pai serve` on a free loopback port, its token taken from what it prints."""
    env = llm_env(tmp_path / "data", fake_openai, AURO_HTTP_PORT="0")
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "server.cli",
        "serve",
        "--workspace",
        str(workspace),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    url = token = None
    printed: list[str] = []
    try:
        async with asyncio.timeout(60):
            while url is None or token is None:
                line = (await proc.stdout.readline()).decode()
                if not line:
                    raise AssertionError(f"auro-pai serve exited: {printed}")
                printed.append(line)
                if m := re.search(r" at (http://\S+)", line):
                    url = m.group(1)
                if m := re.search(r"token: (\S+)", line):
                    token = m.group(1)
        yield Served(url, token)
    finally:
        if proc.returncode is None:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 15)
            except TimeoutError:
                proc.kill()
                await proc.wait()


async def wait_indexed(served: Served, query: str, path: str, timeout: float = 60) -> None:
    headers = {"Authorization": f"Bearer {served.token}"}
    async with aiohttp.ClientSession(headers=headers) as session, asyncio.timeout(timeout):
        while True:
            async with session.post(
                f"{served.url}/api/v1/rag/search", json={"query": query, "k": 5}
            ) as response:
                if response.status == 200:
                    body = await response.json()
                    if any(r["path"] == path for r in body["results"]):
                        return
            await asyncio.sleep(0.2)


def chrome(profile: Path) -> Any:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))


def until(driver: Any, condition: Callable[[Any], Any], what: str, timeout: float = 20) -> Any:
    return WebDriverWait(driver, timeout, poll_frequency=0.05).until(
        condition, message=f"timed out waiting for {what}"
    )


def drive(served: Served, profile: Path, seen: dict[str, Any]) -> None:
    """The browser session: everything a person would do, recorded in `seen`.

    With AURO_WEBUI_SHOTS=<dir>, screenshots of the chat and the search land there."""
    os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium Manager download
    shots = os.environ.get("AURO_WEBUI_SHOTS")
    driver = chrome(profile)

    def shot(name: str) -> None:
        if shots:
            driver.save_screenshot(str(Path(shots) / f"{name}.png"))

    try:
        driver.get(f"{served.url}/#token={served.token}")
        status = until(
            driver,
            lambda d: (
                "files" in d.find_element(By.ID, "index-status").text
                and d.find_element(By.ID, "index-status")
            ),
            "the index status",
        )
        seen["index_status"] = status.text
        seen["fragment_after_load"] = driver.execute_script("return window.location.hash")
        seen["token_form_visible"] = driver.find_element(By.ID, "token-form").is_displayed()

        # 1. a streamed answer
        box = driver.find_element(By.ID, "chat-input")
        box.send_keys("When does divide fail?")
        driver.find_element(By.ID, "send").click()
        partial = until(
            driver,
            lambda d: (
                (
                    t := d.execute_script(
                        "var a = document.querySelector('.message.assistant.streaming .text');"
                        "return a ? a.textContent : null;"
                    )
                )
                and 0 < len(t) < len(ANSWER)
                and t
            ),
            "a partial answer while streaming",
        )
        seen["partial"] = partial
        answer = until(
            driver,
            lambda d: d.find_element(By.CSS_SELECTOR, ".message.assistant[data-status]"),
            "the finished answer",
        )
        seen["answer"] = answer.find_element(By.CSS_SELECTOR, ".text").text
        seen["answer_status"] = answer.get_attribute("data-status")
        seen["citations"] = [li.text for li in answer.find_elements(By.CSS_SELECTOR, "li")]

        # 2. the session list: the new session, its history after "New chat"
        session = until(
            driver, lambda d: d.find_element(By.CSS_SELECTOR, ".session.current"), "the session"
        )
        seen["session_id"] = session.get_attribute("data-id")
        seen["session_title"] = session.find_element(By.CSS_SELECTOR, ".session-title").text
        driver.find_element(By.ID, "new-chat").click()
        seen["after_new_chat"] = len(driver.find_elements(By.CSS_SELECTOR, ".message"))
        session.find_element(By.CSS_SELECTOR, ".session-open").click()
        until(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, ".message")) == 2, "history")
        seen["history"] = [
            m.find_element(By.CSS_SELECTOR, ".text").text
            for m in driver.find_elements(By.CSS_SELECTOR, ".message")
        ]

        # 3. model and user text are shown as text, never as HTML
        box.send_keys(HOSTILE)
        driver.find_element(By.ID, "send").click()
        until(
            driver,
            lambda d: len(d.find_elements(By.CSS_SELECTOR, ".message.assistant[data-status]")) == 2,
            "the second answer",
        )
        texts = [t.text for t in driver.find_elements(By.CSS_SELECTOR, ".message .text")]
        seen["hostile_texts"] = texts[-2:]
        last = driver.find_elements(By.CSS_SELECTOR, ".message.assistant")[-1]
        seen["cut_notes"] = [n.text for n in last.find_elements(By.CSS_SELECTOR, ".note")]
        seen["cut_flag"] = last.get_attribute("data-truncated")
        seen["injected"] = driver.execute_script(
            "return document.querySelectorAll('#transcript img, #transcript b, "
            "#transcript script').length + (window.__pwned ? 100 : 0);"
        )
        shot("chat")
        seen["session_after_followup"] = driver.find_element(
            By.CSS_SELECTOR, ".session.current"
        ).get_attribute("data-id")

        # 4. Stop cancels a streaming answer
        driver.find_element(By.ID, "new-chat").click()
        box.send_keys("Tell me a long story")
        driver.find_element(By.ID, "send").click()
        until(
            driver,
            lambda d: (
                len(
                    d.execute_script(
                        "var a = document.querySelector('.message.assistant .text');"
                        "return a ? a.textContent : '';"
                    )
                )
                > 20
            ),
            "the story to start",
        )
        driver.find_element(By.ID, "stop").click()
        stopped = until(
            driver,
            lambda d: d.find_element(By.CSS_SELECTOR, ".message.assistant[data-status]"),
            "the stopped answer",
        )
        seen["stopped_status"] = stopped.get_attribute("data-status")
        seen["stopped_text"] = stopped.find_element(By.CSS_SELECTOR, ".text").text

        # 5. code search
        driver.find_element(By.ID, "tab-search").click()
        driver.find_element(By.ID, "search-input").send_keys("circle_area")
        driver.find_element(By.CSS_SELECTOR, "#search-form button").click()
        first = until(
            driver, lambda d: d.find_element(By.CSS_SELECTOR, "#search-results .result"), "results"
        )
        seen["result_loc"] = first.find_element(By.CSS_SELECTOR, ".result-loc").text
        seen["result_snippet"] = first.find_element(By.CSS_SELECTOR, ".snippet").text
        seen["search_note"] = driver.find_element(By.ID, "search-note").text
        shot("search")

        # 6. delete the first session
        driver.find_element(By.ID, "tab-chat").click()
        driver.execute_script("window.confirm = function () { return true; };")
        target = f'.session[data-id="{seen["session_id"]}"]'
        driver.find_element(By.CSS_SELECTOR, f"{target} .session-delete").click()
        until(driver, lambda d: not d.find_elements(By.CSS_SELECTOR, target), "the deletion")
        seen["sessions_left"] = len(driver.find_elements(By.CSS_SELECTOR, ".session"))

        # 7. the token is remembered; a wrong one brings the token form back
        driver.get(served.url + "/")
        until(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".session"), "stored token")
        seen["remembered"] = not driver.find_element(By.ID, "token-form").is_displayed()
        driver.get(served.url + "/#token=wrong")
        error = until(
            driver,
            lambda d: (
                d.find_element(By.ID, "token-error").is_displayed()
                and d.find_element(By.ID, "token-error")
            ),
            "the token error",
        )
        seen["wrong_token_error"] = error.text
        logs = driver.get_log("browser")
        seen["console_401"] = any("401" in e["message"] for e in logs)  # the log is read
        seen["console_errors"] = [
            e["message"] for e in logs if e["level"] == "SEVERE" and "401" not in e["message"]
        ]
    except WebDriverException as exc:
        shot = profile.parent / "webui-failure.png"
        driver.save_screenshot(str(shot))
        raise AssertionError(f"{exc.msg}; screenshot {shot}; seen so far: {seen}") from exc
    finally:
        driver.quit()


async def test_page_is_static_and_public_api_needs_the_token(served: Served):
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{served.url}/") as response:
            assert response.status == 200
            assert response.content_type == "text/html"
            csp = response.headers["Content-Security-Policy"]
            assert "script-src 'self'" in csp and "unsafe-inline" not in csp
            page = await response.text()
        assert '<script src="/ui/app.js"></script>' in page and "<script>" not in page
        for name, kind in (("app.js", "application/javascript"), ("style.css", "text/css")):
            async with session.get(f"{served.url}/ui/{name}") as response:
                assert (response.status, response.content_type) == (200, kind)
        async with session.get(f"{served.url}/ui/..%2Fserve.py") as response:
            assert response.status == 404
        async with session.get(f"{served.url}/ui/index.html") as response:
            assert response.status == 404
        async with session.get(f"{served.url}/api/v1/chat/sessions") as response:
            assert response.status == 401


async def test_chat_stream_sessions_search_in_chromium(
    served: Served, workspace: Path, fake_openai: FakeOpenAIServer, tmp_path: Path
):
    fake_openai.push(
        Reply(text=ANSWER, chunk_chars=4, delay=0.05),
        Reply(text=HOSTILE, finish_reason="length"),  # as if the window cut it
        Reply(text=STORY, chunk_chars=8, delay=0.1),
    )
    await wait_indexed(served, "circle_area", "geometry.py")
    seen: dict[str, Any] = {}
    started = time.monotonic()
    await asyncio.to_thread(drive, served, tmp_path / "chromium-profile", seen)
    assert seen["fragment_after_load"] == "", seen  # the token left the address bar
    assert not seen["token_form_visible"]
    assert "repo" in seen["index_status"] and "2/2 files" in seen["index_status"]

    assert 0 < len(seen["partial"]) < len(ANSWER) and ANSWER.startswith(seen["partial"])
    assert (seen["answer"], seen["answer_status"]) == (ANSWER, "completed")
    assert any(c.startswith("calc.py:") for c in seen["citations"]), seen["citations"]
    prompt = fake_openai.requests[0]["messages"][-1]["content"]
    assert "When does divide fail?" in prompt

    assert seen["session_title"] and seen["after_new_chat"] == 0
    assert seen["history"] == ["When does divide fail?", ANSWER]
    assert seen["session_after_followup"] == seen["session_id"]

    assert seen["hostile_texts"] == [HOSTILE, HOSTILE]
    assert seen["cut_flag"] == "true" and len(seen["cut_notes"]) == 1, seen["cut_notes"]
    assert "by the model's context window" in seen["cut_notes"][0]
    assert 'Send "continue" in this session' in seen["cut_notes"][0]
    assert seen["injected"] == 0

    assert seen["stopped_status"] == "cancelled"
    assert 20 < len(seen["stopped_text"]) < len(STORY)
    assert await fake_openai.wait_for_disconnects(1, timeout=10)

    assert re.fullmatch(r"geometry\.py:\d+", seen["result_loc"]), seen["result_loc"]
    assert "circle_area" in seen["result_snippet"]
    assert re.match(r"\d+ result\(s\) for .circle_area.", seen["search_note"]), seen["search_note"]

    assert seen["sessions_left"] == 1  # the story's session stays
    assert seen["remembered"]
    assert "refused the token" in seen["wrong_token_error"]
    assert seen["console_401"] and seen["console_errors"] == []
    assert time.monotonic() - started < 90
    shutil.rmtree(tmp_path / "chromium-profile", ignore_errors=True)
