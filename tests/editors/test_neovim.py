"""End to end: the Neovim plugin (editors/neovim) in `nvim --headless` against the real
`auro-pai lsp`, the fake OpenAI-compatible LLM for chat and a fake llama.cpp `/infill` for
inline completion.

nvim runs tests/editors/nvim_e2e.lua, which drives the commands and writes what it saw to a
JSON file; this test asserts on that. The Neovim binary is `nvim` from PATH (Debian's 0.7.2
in CI); set AURO_TEST_NVIM to a space-separated list of binaries to also run others (e.g. a
0.11 build).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.editors.llm_env import llm_env
from tests.fakes.common import Hang, Reply
from tests.fakes.openai_server import FakeOpenAIServer
from tests.support.sample_code import CALC

REPO = Path(__file__).resolve().parents[2]
PLUGIN = REPO / "editors" / "neovim"
EDITORS_DOC = REPO / "docs" / "editors.md"
SCRIPT = Path(__file__).with_name("nvim_e2e.lua")
SERVER = [sys.executable, "-m", "server.cli", "lsp"]
RUN_TIMEOUT = 300

ANSWER = "divide() raises ZeroDivisionError when b is zero.\nadd() never fails."
FOLLOW_UP = "add() just returns a + b."
STORY = "Once upon a time " + "there was a function that divided numbers. " * 40
DOC_ADD = (
    'Documents add.\n\n```python\ndef add(a, b):\n    """Return a + b."""\n    return a + b\n```\n'
)
DOC_DIVIDE = (
    "Documents divide.\n\n```python\ndef divide(a, b):\n"
    '    """Return a / b; b must not be zero."""\n'
    "    if b == 0:\n"
    '        raise ZeroDivisionError("b must not be zero")\n'
    "    return a / b\n```\n"
)
# what the fake llama.cpp server suggests, in order: a body for an empty function, nothing
# (it hangs until the request is cancelled), a comment, then nothing at all
BODY = "big = circle_area(outer)\n    small = circle_area(inner)\n    return big - small"
COMMENT = "area of the ring"
RENAMED = "Renamed for clarity.\n\n```python\ndef plus(a, b):\n    return a + b\n```\n"


def version(nvim: str) -> str:
    try:
        out = subprocess.run([nvim, "--version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    first = out.stdout.splitlines()[0] if out.stdout else ""
    return first.removeprefix("NVIM ").strip() or "unknown"


def binaries() -> list[str]:
    candidates = [*os.environ.get("AURO_TEST_NVIM", "").split(), shutil.which("nvim") or ""]
    seen: list[str] = []
    for path in candidates:
        if path and path not in seen:
            seen.append(path)
    return seen


NVIMS = binaries()


@pytest.mark.skipif(not NVIMS, reason="nvim is not installed (CI installs Debian's neovim)")
@pytest.mark.timeout(RUN_TIMEOUT + 30)
@pytest.mark.parametrize("nvim", NVIMS or ["nvim"], ids=lambda p: f"nvim-{version(p)}")
async def test_search_chat_cancel_reindex_status(
    nvim: str,
    workspace: Path,
    fake_openai: FakeOpenAIServer,
    fake_openai_2: FakeOpenAIServer,
    tmp_path: Path,
):
    llama = fake_openai_2  # the llama.cpp server inline completion asks
    llama.push(Reply(text=BODY), Hang(), Reply(text=COMMENT), Reply(text=""))
    fake_openai.push(
        Reply(text=ANSWER, chunk_chars=6),
        Reply(text=FOLLOW_UP, finish_reason="length"),  # cut off: the reply says so
        Reply(text=STORY, chunk_chars=8, delay=0.1),
        Reply(text=DOC_ADD),
        Reply(text=DOC_DIVIDE),
        Reply(text=RENAMED),
        Reply(text=DOC_DIVIDE),
    )
    # a copy of the plugin, so `:helptags` writes no file into the checkout
    plugin = tmp_path / "plugin"
    shutil.copytree(PLUGIN, plugin, ignore=shutil.ignore_patterns("tests", "tags"))
    out = tmp_path / "out.json"
    home = tmp_path / "home"
    env = llm_env(
        tmp_path / "data",
        fake_openai,
        llama,
        AURO_E2E_PLUGIN=str(plugin),
        AURO_E2E_ROOT=str(workspace),
        AURO_E2E_OUT=str(out),
        AURO_E2E_CMD=json.dumps(SERVER),
        PYTHONPATH=str(REPO),
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_STATE_HOME=str(home / "state"),
        XDG_CACHE_HOME=str(home / "cache"),
    )
    proc = await asyncio.create_subprocess_exec(
        nvim,
        "--headless",
        "--clean",
        "-n",
        "-i",
        "NONE",
        "-c",
        f"luafile {SCRIPT}",
        cwd=workspace,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        output, _ = await asyncio.wait_for(proc.communicate(), RUN_TIMEOUT)
    except TimeoutError:
        proc.kill()
        output, _ = await proc.communicate()
    seen = json.loads(out.read_text()) if out.exists() else {}
    context = f"nvim output:\n{output.decode(errors='replace')[-3000:]}\nseen: {seen}"
    assert seen.get("done"), context

    # every function the docs call and every command `:help auro` tags is there
    help_text = (PLUGIN / "doc" / "auro.txt").read_text()
    docs = help_text + (PLUGIN / "README.md").read_text() + EDITORS_DOC.read_text()
    documented = set(re.findall(r"""require\(['"]auro['"]\)\.(\w+)\(""", docs))
    assert {"setup", "search", "index_status", "http", "inline", "statusline"} <= documented
    assert {name: seen["api"].get(name) for name in documented} == dict.fromkeys(
        documented, "function"
    )
    assert seen["api"]["defaults"] == seen["api"]["config"] == "table"
    commands = set(re.findall(r"\*:(Auro\w+)\*", help_text))
    assert len(commands) == 8 and commands <= set(seen["commands"])

    # :help from the generated tags
    assert seen["help"]["filetype"] == "help"
    assert "*:AuroChat*" in seen["help"]["line"]
    assert "*auro-statusline*" in seen["help"]["statusline_line"]

    # one client, rooted at the `.git` marker, told the sidecar's URL and token
    assert seen["client_name"] == "auro"
    assert Path(seen["root_dir"]) == workspace
    http = seen["status"]["http"]
    assert http["url"].startswith("http://127.0.0.1:") and http["token"]

    # :AuroSearch -> quickfix with path:line and symbol/snippet text
    assert seen["qf_title"] == "Auro search: circle_area"
    assert seen["qf_open"]
    hit = next(i for i in seen["qf"] if i["filename"].endswith("geometry.py"))
    assert Path(hit["filename"]) == workspace / "geometry.py"
    assert hit["lnum"] >= 1 and "circle_area" in hit["text"]

    # :AuroChat streamed into the chat buffer, in order, with the file as context
    chat = seen["chat"]
    assert chat["status"] == "completed" and chat["visible"]
    assert chat["buf_name"].endswith("auro://chat")
    assert chat["chunks"] > 3 and chat["text"] == ANSWER
    lines = chat["lines"]
    assert lines[:2] == ["## You", "When does divide fail?"]
    assert "## Auro" in lines
    body = lines[lines.index("## Auro") + 1 :]
    assert body[:2] == ANSWER.split("\n")
    assert "Sources:" in lines and any(line.startswith("- calc.py:") for line in lines)
    assert chat["cancel_map"]
    first_prompt = fake_openai.requests[0]["messages"][-1]["content"]
    assert "When does divide fail?" in first_prompt and "ZeroDivisionError" in first_prompt

    # the follow-up continued the session; `:AuroChat!` opened a new one
    followup = seen["followup"]
    assert (followup["session_id"], followup["status"]) == (chat["session_id"], "completed")
    # the answer was cut off: the chat buffer says so, as the server's notice
    assert followup["truncated"] is True
    [notice] = followup["notices"]
    assert notice.startswith("> The reply was cut off after") and '"continue"' in notice
    assert notice in followup["lines"]

    cancelled = seen["cancelled"]
    assert cancelled["status"] == "cancelled"
    assert 2 <= cancelled["chunks"] and len(cancelled["text"]) < len(STORY)
    assert STORY.startswith(cancelled["text"])
    assert cancelled["lines"][-2:] == ["[cancelled]", ""]
    assert "--- new session ---" in cancelled["lines"]
    assert len(fake_openai.requests) == 7
    await fake_openai.wait_for_disconnects(1, timeout=10)  # the model stream was closed

    # :AuroReindex and :AuroStatus
    assert seen["reindex"]["filesTotal"] == 2
    status = "\n".join(seen["status_lines"])
    assert "index:" in status and http["url"] in status
    assert str(workspace) in status

    # $/progress reached the plugin and the statusline function
    assert seen["progress_events"] > 0
    assert seen["statusline_type"] == "string"
    assert any(s.startswith("Auro: indexing") for s in seen["statuslines"]), seen["statuslines"]
    # the documented `%{%...%}` snippet shows the phase and one `%`, never `%%`
    shown = seen["statuslines_shown"]
    assert all(s["shown"] == s["text"] and "%%" not in s["shown"] for s in shown), shown
    assert any(
        re.fullmatch(r"Auro: indexing .+: (scanning|keyword pass|embedding) \d+%", s["shown"])
        for s in shown
    ), shown
    assert "deprecated" not in seen["messages"] and "Error" not in seen["messages"], seen[
        "messages"
    ]

    # AI edits are shown as a diff in a scratch buffer before anything changes
    preview = seen["preview"]
    assert preview["state"] == "open" and preview["in_preview"] and preview["unchanged"]
    assert preview["filetype"] == "diff"
    lines = preview["lines"]
    assert lines[0] == "# Auro: Add docstrings: review before it is applied"
    assert any(line.startswith("# Checked: only docstrings and comments changed") for line in lines)
    assert "--- a/calc.py" in lines and "+++ b/calc.py" in lines
    assert '+    """Return a + b."""' in lines
    # the accept key applied exactly the previewed change
    accepted = seen["accepted"]
    assert accepted["state"] == "accepted" and accepted["preview_closed"]
    assert accepted["lines"] == [
        *CALC.splitlines()[:4],
        '    """Return a + b."""',
        *CALC.splitlines()[4:],
    ]
    # the reject key left the buffer as it was
    rejected = seen["rejected"]
    assert '+    """Return a / b; b must not be zero."""' in rejected["preview"]
    assert rejected["state"] == "rejected" and rejected["unchanged"]
    # an off-task answer is not offered: the reason and the model's text instead of a diff
    refused = seen["refused"]
    assert refused["state"] == "refused" and refused["unchanged"]
    text = "\n".join(refused["lines"])
    assert "renames add to plus" in text and "def plus(a, b):" in text
    # an edit the server sends itself (workspace/applyEdit) is held for review as well
    server_edit = seen["server_edit"]
    assert server_edit["result"]["applied"] is False  # answered at once, before the review
    assert "held for review" in server_edit["result"]["error"]
    assert server_edit["state"] == "open" and server_edit["unchanged"]
    assert server_edit["accepted"] == "accepted"
    assert '    """Return a / b; b must not be zero."""' in server_edit["lines"]

    check_inline(seen["inline"], llama)
    await llama.wait_for_disconnects(1, timeout=10)  # the cancelled request was closed upstream
    check_lsp_log(Path(seen["lsp_log"]))


def check_inline(inline: dict, llama: FakeOpenAIServer) -> None:
    """Ghost text from `/infill`: drawn, accepted by word, line and whole, typed through,
    dismissed; every keystroke cancelled the request before it; nothing asked while off."""
    assert not inline.get("error"), inline
    body = BODY.split("\n")
    multi = inline["multi"]
    assert multi["requests"] == 1 and multi["ghost"] == BODY
    drawn = multi["drawn"]
    # the first line at the cursor, the others as virtual lines below it
    assert (drawn["row"], drawn["col"]) == (4, 4)
    assert drawn["virt_text"][0][0] == body[0]
    assert [chunks[0][0] for chunks in drawn["virt_lines"]] == body[1:]
    assert inline["word"]["line"] == "    big"
    assert inline["word"]["ghost"] == BODY.removeprefix("big")
    assert inline["word"]["drawn"]["virt_text"][0][0] == " = circle_area(outer)"
    assert inline["line"]["line"] == "    big = circle_area(outer)"
    assert inline["line"]["ghost"] == "\n" + "\n".join(body[1:])
    every = inline["all"]
    assert every["lines"][-3:] == ["    " + body[0], *body[1:]]
    assert every["cursor"] == [len(every["lines"]), len(body[-1])]
    assert not every["ghost"] and not every["drawn"]
    assert every["requests"] == 1 and every["accepted"] == 3  # accepting asks nothing
    # the keystroke after the hanging request cancelled it; the next one was answered
    assert inline["hanging"]["cancelled"] == 0
    reply = inline["reply"]
    assert reply["line"] == "# " and reply["ghost"] == COMMENT
    assert reply["cancelled"] >= 1 and reply["requests"] == inline["hanging"]["requests"] + 1
    typed = inline["typed"]
    assert typed["line"] == "# " + COMMENT[0] and typed["ghost"] == COMMENT[1:]
    assert typed["requests"] == reply["requests"]  # typing through asks nothing
    assert typed["drawn"]["virt_text"][0][0] == COMMENT[1:]
    dismissed = inline["dismissed"]
    assert dismissed["line"] == "# a" and not dismissed["ghost"] and not dismissed["drawn"]
    off = inline["off"]
    assert off["line"] == "# ab" and off["requests_while_off"] == 0
    assert off["enabled"] is False and inline["enabled_again"] is True
    assert inline["after_leave"] == {"mode": "n", "drawn": False}
    assert inline["python_disabled"] and inline["python_allowed"]
    # the trigger key asks at once (invoked); an empty answer is said in the message area
    invoked = inline["invoked"]
    assert invoked["requests"] == 1 and not invoked["ghost"]
    assert "Auro: no suggestion: " in invoked["messages"]
    assert "deprecated" not in inline["messages"] and "Error" not in inline["messages"]
    # the llama.cpp server saw the unsaved buffer as prefix and suffix
    infills = [r for r in llama.requests if "input_prefix" in r]
    assert len(infills) == 4, infills
    assert infills[0]["input_prefix"].endswith("def ring_area(outer, inner):\n    ")
    assert infills[2]["input_prefix"].endswith("return big - small\n# ")


def check_lsp_log(log: Path) -> None:
    """Neovim 0.7 logs everything a server writes to stderr as [ERROR]: the server's INFO
    lines come as window/logMessage instead (logged at INFO), and stderr carries only
    warnings and errors."""
    text = log.read_text(errors="replace")
    errors = [line for line in text.splitlines() if line.startswith("[ERROR]")]
    assert not [line for line in errors if " INFO " in line], errors[:5]
    assert any(line.startswith("[INFO]") and "server." in line for line in text.splitlines())
