"""End to end: the web UI (server/webui) in headless Debian Chromium, driven by Selenium with
/usr/bin/chromedriver, against `auro-pai serve` over a tiny workspace and the fake LLM.

Screenshots of each screen at 1280 and 360 px land in the test's tmp dir (`shots/`), or in
AURO_WEBUI_SHOTS when set.

Selenium's calls block, so the browser is driven from a worker thread while the fake LLM keeps
answering on the test's event loop.
"""

from __future__ import annotations

import asyncio
import base64
import os
import re
import shutil
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from server.http.app import create_app
from server.http.webui_api import WEBUI
from server.sessions import SessionStore
from tests.editors.browser import (
    NEEDS_CHROMIUM,
    By,
    WebDriverException,
    chrome,
    displayed,
    until,
)
from tests.editors.llm_env import llm_env
from tests.fakes.common import Reply
from tests.fakes.openai_server import FakeOpenAIServer
from tests.support.http_app import open_services
from tests.support.sample_code import CALC

pytestmark = [*NEEDS_CHROMIUM, pytest.mark.timeout(240)]

ANSWER = "divide() raises ZeroDivisionError when b is zero; add() never fails."
PNG_B64 = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 24).decode()
PASTE_JS = """
var bytes = Uint8Array.from(atob(arguments[1]), function (c) { return c.charCodeAt(0); });
var data = new DataTransfer();
data.items.add(new File([bytes], "shot.png", { type: "image/png" }));
arguments[0].dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true }));
"""
HOSTILE = '<img src=x onerror="window.__pwned=1"><b>not bold</b> & <script>x()</script>'
MARKDOWN = (
    "Use **divide** with care:\n\n"
    "```python\ndef divide(a, b):\n    return a / b  # " + "long comment " * 16 + "\n```\n\n"
    "See [the docs](javascript:window.__pwned=2) and "
    '<img src=x onerror="window.__pwned=3"> and <script>window.__pwned=4</script>.\n'
)
OTHER_TITLE = "A question asked in another workspace"
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


# Page geometry at the current width: the page's own scroll width, and where the action
# button (arguments[0]) is and whether it is the element under its centre (not covered).
GEOMETRY_JS = """
var action = document.querySelector(arguments[0]);
var rect = action.getBoundingClientRect();
var bar = document.querySelector('.bar').getBoundingClientRect();
var hit = document.elementFromPoint(rect.left + rect.width / 2, rect.top + rect.height / 2);
return {
  width: window.innerWidth, height: window.innerHeight,
  scroll_width: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth),
  action: [rect.left, rect.top, rect.right, rect.bottom],
  bar_right: bar.right,
  action_on_top: hit === action,
};
"""


def geometry(driver: Any, action: str) -> dict[str, Any]:
    return driver.execute_script(GEOMETRY_JS, action)


def fits(g: dict[str, Any]) -> bool:
    """No sideways scrolling, and the action button whole, inside the viewport, on top."""
    left, top, right, bottom = g["action"]
    return (
        g["scroll_width"] <= g["width"]
        and g["bar_right"] <= g["width"]
        and 0 <= left < right <= g["width"]
        and 0 <= top < bottom <= g["height"]
        and g["action_on_top"]
    )


CITED_JS = """
return Array.from(document.querySelectorAll('#code-view .code-line.cited')).map(
  function (line) { return [Number(line.dataset.line), line.querySelector('.lc').textContent]; });
"""


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", path
    return int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")


def set_width(driver: Any, width: int | None) -> None:
    """A phone-sized viewport (CDP device metrics), or back to the 1280 px window."""
    if width is None:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    else:
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": 740, "deviceScaleFactor": 1, "mobile": True},
        )


def open_citation(driver: Any, answer: Any, seen: dict[str, Any], key: str) -> None:
    """Click the answer's calc.py citation; record the code view it opens."""
    cite = next(
        b
        for b in answer.find_elements(By.CSS_SELECTOR, ".citations .citation")
        if b.text.startswith("calc.py:")
    )
    cite.click()
    dialog = until(
        driver,
        lambda d: (
            d.find_element(By.ID, "code-view").get_attribute("data-state") == "ready"
            and d.find_element(By.ID, "code-view")
        ),
        "the code view",
    )
    seen[key] = {
        "citation": cite.text,
        "title": driver.find_element(By.ID, "code-view-title").text,
        "cited": driver.execute_script(CITED_JS),
        "lines": len(dialog.find_elements(By.CSS_SELECTOR, ".code-line")),
        "keywords": len(dialog.find_elements(By.CSS_SELECTOR, ".code-line .hljs-keyword")),
        "rect": driver.execute_script(
            "var r = arguments[0].getBoundingClientRect(); return [r.left, r.right];", dialog
        ),
    }


def close_code_view(driver: Any) -> None:
    driver.find_element(By.ID, "code-view-close").click()
    until(driver, lambda d: not d.find_element(By.ID, "code-view").is_displayed(), "closing")


def drive(served: Served, profile: Path, shots: Path, seen: dict[str, Any]) -> None:
    """The browser session: everything a person would do, recorded in `seen`; screenshots of
    each screen land in `shots`."""
    os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium Manager download
    driver = chrome(profile)

    def shot(name: str) -> None:
        path = shots / f"{name}.png"
        driver.save_screenshot(str(path))
        seen.setdefault("shots", {})[name] = path

    try:
        # 0. no token yet: a sign-in screen that says where the token is
        driver.get(served.url + "/")
        seen["signin_text"] = until(driver, lambda d: displayed(d, "signin"), "sign-in").text
        seen["app_shown_without_token"] = driver.find_element(By.ID, "app").is_displayed()
        shot("signin-1280")
        set_width(driver, 360)
        seen["signin_360"] = geometry(driver, "#token-form button")
        shot("signin-360")
        set_width(driver, None)

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
        seen["signin_visible"] = driver.find_element(By.ID, "signin").is_displayed()

        # 1. a streamed answer, its citation opens the cited lines
        box = driver.find_element(By.ID, "chat-input")
        box.send_keys("When does divide fail?")
        driver.find_element(By.ID, "send").click()
        partial = until(
            driver,
            lambda d: (
                (
                    t := d.execute_script(
                        "var a = document.querySelector('.message.assistant.streaming .text');"
                        "return a ? a.textContent.trim() : null;"
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
        seen["citations"] = [
            c.text for c in answer.find_elements(By.CSS_SELECTOR, ".citations .citation")
        ]
        open_citation(driver, answer, seen, "code_view")
        shot("codeview-1280")
        close_code_view(driver)

        # 2. the session list: only this workspace's sessions; history after "New chat"
        session = until(
            driver, lambda d: d.find_element(By.CSS_SELECTOR, ".session.current"), "the session"
        )
        seen["session_titles"] = [
            t.get_attribute("textContent")
            for t in driver.find_elements(By.CSS_SELECTOR, ".session-title")
        ]
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

        # 3. hostile text from the user and the model stays text
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

        # 4. Markdown: emphasis, a highlighted code block; links and HTML sanitized
        box.send_keys("Show me divide")
        driver.find_element(By.ID, "send").click()
        rendered = until(
            driver,
            lambda d: (
                len(found := d.find_elements(By.CSS_SELECTOR, ".message.assistant[data-status]"))
                == 3
                and found[-1]
            ),
            "the Markdown answer",
        )
        seen["strong"] = [e.text for e in rendered.find_elements(By.CSS_SELECTOR, ".text strong")]
        seen["code_classes"] = [
            e.get_attribute("class") for e in rendered.find_elements(By.CSS_SELECTOR, "pre > code")
        ]
        seen["code_tokens"] = [
            (e.get_attribute("class"), e.text)
            for e in rendered.find_elements(By.CSS_SELECTOR, "pre > code span")
        ]
        seen["raw_markdown_left"] = [
            m for m in ("**", "```") if m in rendered.find_element(By.CSS_SELECTOR, ".text").text
        ]
        seen["links"] = [
            (a.text, a.get_attribute("href"))
            for a in rendered.find_elements(By.CSS_SELECTOR, ".text a")
        ]
        seen["injected"] = driver.execute_script(
            "return document.querySelectorAll('#transcript img, #transcript b, "
            "#transcript script, #transcript [onerror], #transcript [href^=javascript]').length"
            " + (window.__pwned ? 100 : 0);"
        )
        seen["session_after_followup"] = driver.find_element(
            By.CSS_SELECTOR, ".session.current"
        ).get_attribute("data-id")

        # 5. the layout at a desktop and a phone width (the code block has a 200-char line)
        seen["geometry_1280"] = geometry(driver, "#send")
        shot("chat-1280")
        set_width(driver, 360)
        seen["geometry_360"] = geometry(driver, "#send")
        shot("chat-360")
        driver.find_element(By.ID, "toggle-sessions").click()
        drawer = until(driver, lambda d: displayed(d, "sessions"), "the sessions drawer")
        seen["drawer_360"] = driver.execute_script(
            "var r = arguments[0].getBoundingClientRect(); return [r.left, r.right];", drawer
        )
        shot("sessions-360")
        driver.find_element(By.ID, "toggle-sessions").click()
        first_answer = driver.find_elements(By.CSS_SELECTOR, ".message.assistant")[0]
        open_citation(driver, first_answer, seen, "code_view_360")
        shot("codeview-360")
        close_code_view(driver)
        set_width(driver, None)

        # 6. Stop cancels a streaming answer
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

        # 7. code search; a result opens the code view too
        driver.find_element(By.ID, "tab-search").click()
        driver.find_element(By.ID, "search-input").send_keys("circle_area")
        driver.find_element(By.CSS_SELECTOR, "#search-form button").click()
        first = until(
            driver, lambda d: d.find_element(By.CSS_SELECTOR, "#search-results .result"), "results"
        )
        seen["result_loc"] = first.find_element(By.CSS_SELECTOR, ".result-loc").text
        seen["result_snippet"] = first.find_element(By.CSS_SELECTOR, ".snippet").text
        seen["search_note"] = driver.find_element(By.ID, "search-note").text
        shot("search-1280")
        first.find_element(By.CSS_SELECTOR, ".result-loc").click()
        until(
            driver,
            lambda d: d.find_element(By.ID, "code-view").get_attribute("data-state") == "ready",
            "the code view of a result",
        )
        seen["result_cited"] = driver.execute_script(CITED_JS)
        close_code_view(driver)

        # 8. delete the first session
        driver.find_element(By.ID, "tab-chat").click()
        driver.execute_script("window.confirm = function () { return true; };")
        target = f'.session[data-id="{seen["session_id"]}"]'
        driver.find_element(By.CSS_SELECTOR, f"{target} .session-delete").click()
        until(driver, lambda d: not d.find_elements(By.CSS_SELECTOR, target), "the deletion")
        seen["sessions_left"] = len(driver.find_elements(By.CSS_SELECTOR, ".session"))

        # 8b. a pasted image shows as a thumbnail, can be removed, and goes with the question
        driver.find_element(By.ID, "new-chat").click()
        for _ in range(2):
            driver.execute_script(PASTE_JS, box, PNG_B64)
        until(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#attachments img")) == 2, "2")
        driver.find_elements(By.CSS_SELECTOR, "#attachments .remove-image")[0].click()
        seen["attached_after_remove"] = len(
            driver.find_elements(By.CSS_SELECTOR, "#attachments img")
        )
        box.send_keys("What is in this picture?")
        driver.find_element(By.ID, "send").click()
        pictured = until(
            driver,
            lambda d: d.find_element(By.CSS_SELECTOR, ".message.assistant[data-status]"),
            "the answer about the picture",
        )
        seen["picture_status"] = pictured.get_attribute("data-status")
        seen["sent_thumbnails"] = len(driver.find_elements(By.CSS_SELECTOR, ".message.user img"))
        seen["attachments_after_send"] = len(
            driver.find_elements(By.CSS_SELECTOR, "#attachments img")
        )

        # 9. the token is remembered; a wrong one brings the sign-in screen back
        driver.get(served.url + "/")
        until(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".session"), "stored token")
        seen["remembered"] = not driver.find_element(By.ID, "signin").is_displayed()
        driver.get(served.url + "/#token=wrong")
        seen["wrong_token_error"] = until(
            driver, lambda d: displayed(d, "token-error"), "the token error"
        ).text
        seen["signin_after_wrong_token"] = driver.find_element(By.ID, "signin").is_displayed()
        logs = driver.get_log("browser")
        seen["console_401"] = any("401" in e["message"] for e in logs)  # the log is read
        seen["console_errors"] = [
            e["message"] for e in logs if e["level"] == "SEVERE" and "401" not in e["message"]
        ]
    except WebDriverException as exc:
        failure = shots / "webui-failure.png"
        driver.save_screenshot(str(failure))
        raise AssertionError(f"{exc.msg}; screenshot {failure}; seen so far: {seen}") from exc
    finally:
        driver.quit()


async def test_page_is_static_and_public_api_needs_the_token(served: Served):
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{served.url}/") as response:
            assert response.status == 200
            assert response.content_type == "text/html"
            csp = response.headers["Content-Security-Policy"]
            assert "script-src 'self'" in csp and "style-src 'self'" in csp
            assert "unsafe-inline" not in csp and "default-src 'none'" in csp
            page = await response.text()
        assert '<script type="module" src="/ui/app.js"></script>' in page
        assert "<script>" not in page
        assert "style=" not in page and "<style" not in page
        assets = re.findall(r'(?:src|href)="(/[^"]+)"', page)
        assert "/ui/vendor/marked.min.js" in assets and "/ui/vendor/purify.min.js" in assets
        # every asset the page names, and every module those import, is served from here
        pending, served_assets = list(assets), set()
        while pending:
            asset = pending.pop()
            if asset in served_assets:
                continue
            served_assets.add(asset)
            async with session.get(f"{served.url}{asset}") as response:
                assert response.status == 200, asset
                kind = {"js": "application/javascript", "css": "text/css", "svg": "image/svg+xml"}
                assert response.content_type == kind[asset.rsplit(".", 1)[1]], asset
                assert response.headers["Content-Security-Policy"] == csp
                body = await response.read()
                assert b"sourceMappingURL" not in body, asset
            imported = re.findall(r'^import .* from "\./([\w-]+\.js)";$', body.decode(), re.M)
            pending += [f"/ui/{name}" for name in imported]
        # the page reaches every module of its own (none unused)
        assert {f"/ui/{path.name}" for path in WEBUI.glob("*.js")} <= served_assets
        async with session.get(f"{served.url}/favicon.ico") as response:
            assert (response.status, response.content_type) == (200, "image/svg+xml")
        for name in ("..%2Fserve.py", "index.html", "vendor/VERSIONS", "vendor/LICENSE.marked"):
            async with session.get(f"{served.url}/ui/{name}") as response:
                assert response.status == 404, name
        async with session.get(f"{served.url}/api/v1/chat/sessions") as response:
            assert response.status == 401
        async with session.get(f"{served.url}/api/v1/files?path=calc.py") as response:
            assert response.status == 401


async def test_chat_stream_sessions_search_in_chromium(
    served: Served, workspace: Path, fake_openai: FakeOpenAIServer, tmp_path: Path
):
    fake_openai.vision = True  # a model that sees the pasted image (step 8b)
    fake_openai.push(
        Reply(text=ANSWER, chunk_chars=4, delay=0.05),
        Reply(text=HOSTILE, finish_reason="length"),  # as if the window cut it
        Reply(text=MARKDOWN, chunk_chars=16, delay=0.01),
        Reply(text=STORY, chunk_chars=8, delay=0.1),
    )
    # a session of another workspace, in the same data dir (as another server would store it)
    other = SessionStore(tmp_path / "data" / "sessions.sqlite3")
    await other.create(OTHER_TITLE, workspaces=[str(tmp_path / "other-repo")])
    other.close()
    await wait_indexed(served, "circle_area", "geometry.py")
    seen: dict[str, Any] = {}
    shots = Path(os.environ.get("AURO_WEBUI_SHOTS") or tmp_path / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    await asyncio.to_thread(drive, served, tmp_path / "chromium-profile", shots, seen)
    elapsed = time.monotonic() - started

    # sign-in screen without a token: it names where the token is
    for words in ("auro-pai serve", "API token:", "http_token", "AURO_DATA_DIR", "auro/status"):
        assert words in seen["signin_text"], (words, seen["signin_text"])
    assert not seen["app_shown_without_token"]
    assert fits(seen["signin_360"]), seen["signin_360"]
    assert seen["fragment_after_load"] == "", seen  # the token left the address bar
    assert not seen["signin_visible"]
    assert "repo" in seen["index_status"] and "2/2 files" in seen["index_status"]

    # streaming, then the citation's code view with exactly the cited lines marked
    assert 0 < len(seen["partial"]) < len(ANSWER) and ANSWER.startswith(seen["partial"])
    assert (seen["answer"], seen["answer_status"]) == (ANSWER, "completed")
    assert any(c.startswith("calc.py:") for c in seen["citations"]), seen["citations"]
    assert "When does divide fail?" in fake_openai.requests[0]["messages"][-1]["content"]
    for key in ("code_view", "code_view_360"):
        view = seen[key]
        m = re.match(r"calc\.py:(\d+)(?:-(\d+))?", view["citation"])
        first, last = int(m.group(1)), int(m.group(2) or m.group(1))
        lines = CALC.splitlines()
        assert view["title"] == f"calc.py:{first}-{last}"
        assert view["cited"] == [[n, lines[n - 1]] for n in range(first, last + 1)], view
        assert view["lines"] == len(lines) and view["keywords"] >= 2  # the whole file, coloured
    assert 0 <= seen["code_view_360"]["rect"][0] and seen["code_view_360"]["rect"][1] <= 360

    # sessions: this workspace's only (the REST API holds the other one)
    assert OTHER_TITLE not in seen["session_titles"] and seen["session_titles"]
    headers = {"Authorization": f"Bearer {served.token}"}
    async with aiohttp.ClientSession(headers=headers) as client:
        async with client.get(f"{served.url}/api/v1/chat/sessions") as response:
            everything = [s["title"] for s in (await response.json())["sessions"]]
        async with client.get(
            f"{served.url}/api/v1/chat/sessions", params={"workspace": str(workspace.resolve())}
        ) as response:
            mine = (await response.json())["sessions"]
    assert OTHER_TITLE in everything and OTHER_TITLE not in [s["title"] for s in mine]
    assert all(s["workspaces"] == [str(workspace.resolve())] for s in mine), mine
    assert seen["session_title"] and seen["after_new_chat"] == 0
    assert seen["history"] == ["When does divide fail?", ANSWER]
    assert seen["session_after_followup"] == seen["session_id"]

    # hostile text stays text; Markdown is rendered and sanitized
    assert seen["hostile_texts"] == [HOSTILE, HOSTILE]
    assert seen["cut_flag"] == "true" and len(seen["cut_notes"]) == 1, seen["cut_notes"]
    assert "by the model's context window" in seen["cut_notes"][0]
    assert 'Send "continue" in this session' in seen["cut_notes"][0]
    assert seen["injected"] == 0
    assert seen["strong"] == ["divide"] and seen["raw_markdown_left"] == []
    assert seen["code_classes"] == ["hljs language-python"]
    assert ("hljs-keyword", "def") in seen["code_tokens"]
    assert ("hljs-title function_", "divide") in seen["code_tokens"], seen["code_tokens"]
    assert seen["links"] == [("the docs", None)]  # the javascript: href is gone

    # layout: no sideways scrolling and Send visible at 1280 and 360 px, in the screenshots too
    assert seen["geometry_1280"]["width"] == 1280 and fits(seen["geometry_1280"])
    assert seen["geometry_360"]["width"] == 360 and fits(seen["geometry_360"])
    assert 0 <= seen["drawer_360"][0] and seen["drawer_360"][1] <= 360
    for name, path in seen["shots"].items():
        assert png_size(path)[0] == int(name.rsplit("-", 1)[1]), (name, png_size(path))

    assert seen["stopped_status"] == "cancelled"
    assert 20 < len(seen["stopped_text"]) < len(STORY)
    assert await fake_openai.wait_for_disconnects(1, timeout=10)

    assert re.fullmatch(r"geometry\.py:\d+", seen["result_loc"]), seen["result_loc"]
    assert "circle_area" in seen["result_snippet"]
    assert re.match(r"\d+ result\(s\) for .circle_area.", seen["search_note"]), seen["search_note"]
    assert any("def circle_area" in text for _, text in seen["result_cited"])

    assert seen["sessions_left"] == 1  # the story's session stays

    # a pasted image: a removable thumbnail, shown with the question and sent as a part
    assert seen["attached_after_remove"] == 1 and seen["attachments_after_send"] == 0
    assert (seen["picture_status"], seen["sent_thumbnails"]) == ("completed", 1)
    question = fake_openai.requests[-1]["messages"][-1]["content"]
    assert "What is in this picture?" in "".join(p.get("text", "") for p in question)
    images = [p["image_url"]["url"] for p in question if p["type"] == "image_url"]
    assert images == [f"data:image/png;base64,{PNG_B64}"]
    assert seen["remembered"]
    assert "refused the token" in seen["wrong_token_error"] and seen["signin_after_wrong_token"]
    assert seen["console_401"] and seen["console_errors"] == []
    assert elapsed < 150
    shutil.rmtree(tmp_path / "chromium-profile", ignore_errors=True)


def drive_without_token(url: str, profile: Path) -> dict[str, Any]:
    os.environ.setdefault("SE_OFFLINE", "true")
    driver = chrome(profile)
    try:
        driver.get(url + "/")
        until(driver, lambda d: displayed(d, "app"), "the app without a token")
        status = until(
            driver,
            lambda d: "files" in (t := d.find_element(By.ID, "index-status").text) and t,
            "the index status",
        )
        return {
            "status": status,
            "signin": driver.find_element(By.ID, "signin").is_displayed(),
            "sign_out": driver.find_element(By.ID, "forget-token").is_displayed(),
        }
    finally:
        driver.quit()


async def test_no_sign_in_screen_when_auth_is_off(tmp_path: Path):
    """AURO_HTTP_AUTH=false (loopback only): the page works without asking for a token."""
    services = await open_services(tmp_path, AURO_HTTP_AUTH="false")
    runner = web.AppRunner(create_app(services))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        seen = await asyncio.to_thread(drive_without_token, url, tmp_path / "chromium-profile")
    finally:
        await runner.cleanup()
        await services.close()
    assert not seen["signin"] and not seen["sign_out"]
    assert seen["status"].startswith("index \u2014 ws: "), seen
