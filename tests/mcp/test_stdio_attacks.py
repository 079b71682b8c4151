"""`auro-pai mcp` attacked as an outside tester would, with the SDK's client over stdio: paths
that try to leave the root, links, secrets under other names, files that are not text, odd
numbers and types, SQL and glob wildcards, forged URIs and cursors.

Every bad input must come back as an MCP tool error (or a protocol error) with a reason, no
canary from a secret or from outside the root may appear in any answer, and the one server
process of this module must keep answering after each case.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from mcp import ClientSession
from mcp.shared.exceptions import MCPError
from mcp_types import CallToolResult, PaginatedRequestParams

from server.mcp.reading import MAX_CHARS
from server.secret_rules import secret_content_kind
from tests.support.mcp_client import index_once, mcp_env, mcp_session
from tests.support.sample_code import CALC

pytestmark = pytest.mark.asyncio(loop_scope="module")

MAX_FILE_BYTES = 50_000
CANARY = "CANARY-7f3a"  # in every secret and every file outside the root
AWS_KEY = 'AWS = "AKIAABCDEFGHIJKLMNOP"'
PRIVATE_KEY = (
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n"
    "-----END OPENSSH PRIVATE KEY-----\n"
)
ENV_TEXT = f"OPENAI_API_KEY=sk-proj-{CANARY}\n"  # no key signature: only its name marks it
SECRET_NAMES = [
    ".env",
    ".env.production",
    ".ENV",
    "config/prod.env",
    "deploy/server.key",
    "deploy/tls.PEM",
    "ID_RSA",
    ".ssh/id_ed25519",
    ".aws/credentials",
    ".npmrc",
    ".netrc",
    "credentials.json",
    "gcp-service-account.json",
    "app-secrets.yaml",
    "infra/terraform.tfstate",
    "prod.tfvars",
    "kubeconfig",
]


def build(base: Path) -> tuple[Path, Path]:
    """The attacked workspace and the folder beside it, holding a private file each way."""
    root, outside = base / "repo", base / "outside"
    (root / "sub").mkdir(parents=True)
    outside.mkdir()
    (outside / "private.py").write_text(f"PRIVATE = '{CANARY}'\n")
    (outside / "id_rsa").write_text(PRIVATE_KEY + f"# {CANARY}\n")
    (outside / "plain.txt").write_text(f"nothing secret but outside: {CANARY}\n")
    (root / "calc.py").write_text(CALC)
    (root / "sub" / "inner.py").write_text("def inner_helper():\n    return 1\n")
    for name in SECRET_NAMES:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(ENV_TEXT)
    (root / "notes.md").write_text(f"{AWS_KEY}\n# {CANARY}\n")
    (root / "deploy.txt").write_text(PRIVATE_KEY + f"# {CANARY}\n")
    (root / "settings.txt").symlink_to(root / ".env")
    (root / "awsconf").symlink_to(root / ".aws")
    (root / "escape.py").symlink_to(outside / "private.py")
    (root / "escape_dir").symlink_to(outside)
    (root / "escape_abs").symlink_to("/etc/passwd")
    (root / "zero.py").symlink_to("/dev/zero")
    (root / "loop_a").symlink_to(root / "loop_b")
    (root / "loop_b").symlink_to(root / "loop_a")
    (root / "self_loop").symlink_to(root / "self_loop")
    os.link(root / ".env", root / "env_copy.txt")  # a hard link: another name, same secret
    os.link(outside / "id_rsa", root / "key_copy.txt")
    os.link(outside / "plain.txt", root / "linked_in.txt")
    (root / ".gitignore").write_text("build/\n*.log\n")
    (root / "build").mkdir()
    (root / "build" / "gen.py").write_text(f"GEN = '{CANARY}'\n")
    (root / "debug.log").write_text(f"{CANARY}\n")
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text(f"[remote]\n url = https://x:{CANARY}@host/r\n")
    (root / "huge.py").write_text("x = 1\n" * (MAX_FILE_BYTES // 6 + 10))
    (root / "minified.js").write_text("var a=1;" * (MAX_CHARS // 8 + 100))
    (root / "blob.bin").write_bytes(b"\x00\x01binary" * 100)
    (root / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64)
    (root / "latin1.py").write_bytes(b"NAME = 'caf\xe9'\n")
    (root / os.fsdecode(b"caf\xe9_name.py")).write_text("def latin_named():\n    return 2\n")
    os.mkfifo(root / "pipe.py")
    # what the cases rely on: only the name marks ENV_TEXT; the content marks the others
    assert secret_content_kind(ENV_TEXT) is None
    assert secret_content_kind(AWS_KEY) and secret_content_kind(PRIVATE_KEY)
    return root, outside


class Agent:
    """One `auro-pai mcp` for the module, held open by a task of its own (the SDK's client
    must be entered and left in the same task)."""

    def __init__(self) -> None:
        self.session: ClientSession | None = None
        self.ready = asyncio.Event()
        self.stop = asyncio.Event()
        self.stray: list[Any] = []

    async def run(self, env: dict[str, str], root: Path, stderr: Path) -> None:
        async with mcp_session(env, root, stderr) as (session, stray):
            self.session, self.stray = session, stray
            self.ready.set()
            await self.stop.wait()

    async def call(self, tool: str, arguments: dict[str, Any]) -> CallToolResult:
        assert self.session is not None
        async with asyncio.timeout(30):
            return await self.session.call_tool(tool, arguments)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    base = tmp_path_factory.mktemp("attacks")
    root, outside = build(base)
    data = base / "data"
    index_once(root, mcp_env(data, AURO_MAX_FILE_BYTES=str(MAX_FILE_BYTES)))
    return root, outside, data


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def agent(workspace: tuple[Path, Path, Path]) -> AsyncIterator[Agent]:
    root, _, data = workspace
    agent = Agent()
    env = mcp_env(data, AURO_MAX_FILE_BYTES=str(MAX_FILE_BYTES))
    task = asyncio.create_task(agent.run(env, root, data / "mcp-stderr"))
    ready = asyncio.ensure_future(agent.ready.wait())
    await asyncio.wait([task, ready], timeout=120, return_when=asyncio.FIRST_COMPLETED)
    ready.cancel()
    if task.done():
        task.result()  # the server did not start: say why
    assert agent.session is not None, "the MCP server did not start within 120 s"
    yield agent
    agent.stop.set()
    await task
    assert agent.stray == []


def leaked(result: Any) -> bool:
    """Whether an answer carries a canary or a key."""
    text = json.dumps(result.model_dump(mode="json"), ensure_ascii=False)
    return CANARY in text or "AKIAABCDEFGHIJKLMNOP" in text or "PRIVATE KEY" in text


async def refused(agent: Agent, tool: str, arguments: dict[str, Any], reason: str) -> str:
    """The tool's error message, checked for `reason` and for leaks; then the server must
    still answer."""
    result = await agent.call(tool, arguments)
    message = " ".join(getattr(block, "text", "") for block in result.content)
    assert result.is_error, (arguments, result)
    assert reason.lower() in message.lower(), (arguments, message)
    assert not leaked(result), (arguments, message)
    await still_serving(agent)
    return message


async def still_serving(agent: Agent) -> None:
    alive = await agent.call("read_code", {"path": "calc.py", "start_line": 1, "end_line": 1})
    assert not alive.is_error and alive.structured_content["text"] == CALC.splitlines(True)[0]


OUT = "not inside a workspace root"
READ_REFUSALS = [
    # leaving the root by name
    ("../outside/private.py", OUT),
    ("sub/../../outside/private.py", OUT),
    ("{root}/../outside/private.py", OUT),
    ("{outside}/private.py", OUT),
    ("/etc/passwd", OUT),
    ("//etc/passwd", OUT),
    ("/proc/self/environ", OUT),
    ("~/.ssh/id_rsa", OUT),
    ("file:///etc/passwd", OUT),
    ("file://localhost/etc/passwd", OUT),
    ("file://evil.example/etc/passwd", "another host"),
    ("{root_uri}/%2e%2e/outside/private.py", OUT),
    ("{root_uri}/calc.py%00.txt", "cannot read"),
    ("%2e%2e/outside/private.py", "no such file"),
    ("..%2Foutside%2Fprivate.py", "no such file"),
    ("..\\outside\\private.py", "no such file"),
    ("C:\\Windows\\win.ini", "no such file"),
    ("\\\\server\\share\\x.py", "no such file"),
    # leaving it through links
    ("escape.py", "outside the workspace root"),
    ("escape_dir/private.py", "outside the workspace root"),
    ("escape_abs", "outside the workspace root"),
    ("zero.py", "outside the workspace root"),
    ("loop_a", "symlink"),
    ("self_loop", "symlink"),
    ("env_copy.txt", "hard link"),
    ("key_copy.txt", "hard link"),
    ("linked_in.txt", "hard link"),
    # secrets by name, by link and by content
    *((name, "secret") for name in SECRET_NAMES),
    ("{root_uri}/.env", "secret"),
    ("settings.txt", "secret"),
    ("awsconf/credentials", "secret"),
    ("notes.md", "credential"),
    ("deploy.txt", "credential"),
    # ignored, too large, not text, not a file
    ("build/gen.py", "ignore"),
    ("debug.log", "ignore"),
    (".git/config", "not readable"),
    ("huge.py", "larger than"),
    ("blob.bin", "binary"),
    ("image.png", "binary"),
    ("pipe.py", "not a regular file"),
    ("sub", "directory"),
    ("a" * 300, "cannot read"),
    ("x/" * 2000, "deeper than"),
    ("x/" * 101 + "a.py", "deeper than"),
    ("{root_uri}/" + "x/" * 101 + "a.py", "deeper than"),
    ("x/" * 99 + "a.py", "no such file"),
    # rejected by the input schema
    ("", ""),
    ("x" * 5000, ""),
    ("calc.py\x00", ""),
]


def expand(path: str, root: Path, outside: Path) -> str:
    return path.format(root=root, outside=outside, root_uri=root.as_uri())


@pytest.mark.parametrize(("path", "reason"), READ_REFUSALS)
async def test_read_code_refuses(agent, workspace, path, reason):
    root, outside, _ = workspace
    await refused(agent, "read_code", {"path": expand(path, root, outside)}, reason)


@pytest.mark.parametrize(
    ("path", "check"),
    [
        ("escape_dir/../calc.py", lambda code: code["text"] == CALC),
        ("{root_uri}/calc.py?x=1#top", lambda code: code["text"] == CALC),
        ("{root}/sub/inner.py", lambda code: code["path"] == "sub/inner.py"),
        ("latin1.py", lambda code: code["text"] == "NAME = 'caf\ufffd'\n"),
        ("minified.js", lambda code: code["truncated"] and len(code["text"]) == MAX_CHARS),
    ],
)
async def test_read_code_reads_what_is_inside(agent, workspace, path, check):
    root, outside, _ = workspace
    result = await agent.call("read_code", {"path": expand(path, root, outside)})
    assert not result.is_error, result.content
    assert check(result.structured_content) and not leaked(result)


@pytest.mark.parametrize(
    "arguments",
    [
        {"start_line": 0},
        {"start_line": -1},
        {"start_line": -(10**20)},
        {"end_line": 0},
        {"end_line": -5},
        {"start_line": "abc"},
        {"start_line": 1.5},
        {"start_line": None},
        {"start_line": [1]},
        {"end_line": {"line": 3}},
        {"path": None},
        {"path": 42},
        {"path": ["calc.py"]},
        {"start_line": 10**30},
        {"start_line": 9, "end_line": 3},
    ],
)
async def test_read_code_refuses_bad_numbers_and_types(agent, arguments):
    await refused(agent, "read_code", {"path": "calc.py", **arguments}, "")


@pytest.mark.parametrize(
    "arguments",
    [
        {"k": 0},
        {"k": -1},
        {"k": 101},
        {"k": 10**20},
        {"k": "ten"},
        {"k": 2.5},
        {"query": ""},
        {"query": "x" * 2001},
        {"query": None},
        {"query": 123},
        {"paths": "*.py"},
        {"paths": [1]},
        {"paths": ["\\"]},
        {"languages": [None]},
        {"group_by_file": "maybe"},
    ],
)
async def test_search_code_refuses_bad_arguments(agent, arguments):
    await refused(agent, "search_code", {"query": "divide", **arguments}, "")


@pytest.mark.parametrize(
    "arguments",
    [
        {"query": "OPENAI_API_KEY sk-proj"},
        {"query": CANARY},
        {"query": "AKIAABCDEFGHIJKLMNOP"},
        {"query": "PRIVATE KEY"},
        {"query": "divide", "paths": ["../**"]},
        {"query": "passwd", "paths": ["/etc/**"]},
        {"query": "key", "paths": ["**/.env", "**/*.key", "**/*.log", "build/**"]},
        {"query": '"unbalanced'},
        {"query": "NEAR( divide"},
        {"query": "* OR 1=1"},
        {"query": "'; DROP TABLE chunks; --"},
        {"query": "divide\x00zero"},
        {"query": "%_%"},
    ],
)
async def test_search_code_never_returns_secrets_or_outside_files(agent, arguments):
    result = await agent.call("search_code", {"k": 100, **arguments})
    assert not leaked(result), result
    if not result.is_error:
        paths = {r["path"] for r in result.structured_content["results"]}
        assert all(not p.startswith(("build/", ".git/", "..", "/")) for p in paths), paths
    await still_serving(agent)
    found = await agent.call("search_code", {"query": "divide by zero", "k": 3})
    assert found.structured_content["results"][0]["symbol"] == "divide"


@pytest.mark.parametrize(
    "name",
    ["%", "%divide%", "'", "' OR '1'='1", "divide'; DROP TABLE chunks; --", ".*", "[a-z]+",
     "\\", "\x00", "PRIVATE", "GEN", "*"],
)  # fmt: skip
async def test_find_symbol_takes_wildcards_and_quotes_literally(agent, name):
    result = await agent.call("find_symbol", {"name": name})
    assert not result.is_error, result.content
    assert result.structured_content["symbols"] == [] and not leaked(result)
    divide = await agent.call("find_symbol", {"name": "divide"})
    assert [s["path"] for s in divide.structured_content["symbols"]] == ["calc.py"]


async def test_find_symbol_underscore_is_a_literal_underscore(agent):
    found = (await agent.call("find_symbol", {"name": "_", "limit": 100})).structured_content
    assert found["symbols"] and all("_" in s["name"] for s in found["symbols"])


@pytest.mark.parametrize(
    "arguments", [{"name": ""}, {"name": "x" * 201}, {"name": 5}, {"limit": 0}, {"limit": -1},
                  {"limit": 101}, {"limit": "all"}]
)  # fmt: skip
async def test_find_symbol_refuses_bad_arguments(agent, arguments):
    await refused(agent, "find_symbol", {"name": "divide", **arguments}, "")


async def test_resource_list_holds_only_readable_files_of_the_root(agent, workspace):
    root, _, _ = workspace
    assert agent.session is not None
    uris: list[str] = []
    cursor = None
    while True:
        page = await agent.session.list_resources(params=PaginatedRequestParams(cursor=cursor))
        uris += [r.uri for r in page.resources]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert (root / "calc.py").as_uri() in uris
    assert all(u.startswith(root.as_uri() + "/") for u in uris), uris
    names = {u.rsplit("/", 1)[1] for u in uris}
    forbidden = {"gen.py", "debug.log", "config", "huge.py", "blob.bin", "notes.md", "escape.py"}
    assert not names & (forbidden | {Path(n).name for n in SECRET_NAMES}), names


@pytest.mark.parametrize(
    "uri",
    [
        "file:///etc/passwd",
        "{outside_uri}/private.py",
        "{root_uri}/.env",
        "{root_uri}/escape.py",
        "{root_uri}/escape_dir/private.py",
        "{root_uri}/../outside/private.py",
        "{root_uri}/%2e%2e/outside/private.py",
        "{root_uri}/env_copy.txt",
        "{root_uri}/notes.md",
        "{root_uri}/huge.py",
        "{root_uri}/sub",
        "{root_uri}/loop_a",
        "file://evil.example/etc/passwd",
        "http://127.0.0.1/calc.py",
        "data:text/plain,hello",
        "auro://calc.py",
    ],
)
async def test_read_resource_refuses(agent, workspace, uri):
    root, outside, _ = workspace
    assert agent.session is not None
    target = uri.format(root_uri=root.as_uri(), outside_uri=outside.as_uri())
    with pytest.raises(MCPError) as error:
        await agent.session.read_resource(target)
    assert error.value.message and CANARY not in error.value.message
    await still_serving(agent)


def forged(value: Any) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "!!!",
        forged(b"not json"),
        forged(b"\xff\xfe"),
        forged([]),
        forged({"after": "x"}),
        forged({"root": -1, "after": ""}),
        forged({"root": 99, "after": ""}),
        forged({"root": "zero", "after": ""}),
        forged(b'{"root": 1e309, "after": ""}'),
        forged(b'{"root": NaN, "after": ""}'),
        forged({"root": 0, "after": "a" * 20_000}),
    ],
)
async def test_forged_cursors_are_invalid_params(agent, cursor):
    assert agent.session is not None
    with pytest.raises(MCPError, match="invalid cursor"):
        await agent.session.list_resources(params=PaginatedRequestParams(cursor=cursor))
    await still_serving(agent)


@pytest.mark.parametrize(
    "arguments",
    [
        {"path": "../outside/private.py"},
        {"path": ".env"},
        {"path": "escape.py"},
        {"path": "calc.py", "lines": "-5"},
        {"path": "calc.py", "lines": "abc"},
        {"path": "calc.py", "lines": "99999999999999999999-1"},
        {"path": "x" * 5000},
    ],
)
async def test_explain_code_prompt_refuses(agent, arguments):
    assert agent.session is not None
    with pytest.raises(MCPError) as error:
        await agent.session.get_prompt("explain_code", arguments)
    assert error.value.message and CANARY not in error.value.message
    await still_serving(agent)


async def test_where_is_prompt_refuses_a_huge_feature(agent):
    assert agent.session is not None
    with pytest.raises(MCPError):
        await agent.session.get_prompt("where_is", {"feature": "x" * 100_000})
    await still_serving(agent)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:1/",
        "http://localhost/",
        "http://[::1]/",
        "http://0x7f000001/",
        "http://2130706433/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "gopher://127.0.0.1:6379/_INFO",
        "javascript:alert(1)",
        "not a url",
    ],
)
async def test_fetch_url_refuses_local_and_odd_urls(agent, url):
    await refused(agent, "fetch_url", {"url": url}, "")


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        ("write_file", {"path": "calc.py", "text": "x"}),
        ("ask_codebase", {"question": "x" * 20_001}),
        ("ask_codebase", {"question": "What does divide do?"}),  # no model is configured
        ("web_search", {"query": "anything"}),  # web search is off
    ],
)
async def test_unknown_tools_and_unavailable_services_are_tool_errors(agent, tool, arguments):
    await refused(agent, tool, arguments, "")


async def test_a_file_name_that_is_not_utf8_is_reported_not_fatal(agent):
    async with asyncio.timeout(60):
        while True:
            found = (await agent.call("search_code", {"query": "latin_named"})).structured_content
            if found["complete"]:
                break
            await asyncio.sleep(0.3)
    assert any("not valid UTF-8" in w for w in found["warnings"]), found


async def test_a_request_that_is_not_unicode_gets_an_answer(workspace, tmp_path: Path):
    """Raw JSON-RPC (the SDK's client cannot send it): a lone surrogate escape in a request,
    which the SDK's reader drops, is answered with an error; the next request works. Its
    own data folder: the module's agent holds the workspace's index (one writer)."""
    root, _, _ = workspace
    env = mcp_env(tmp_path / "data", AURO_MAX_FILE_BYTES=str(MAX_FILE_BYTES))
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "server.cli", "mcp", "--workspace", str(root)),
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    assert process.stdin is not None and process.stdout is not None

    async def ask(message: dict[str, Any]) -> dict[str, Any] | None:
        process.stdin.write((json.dumps(message) + "\n").encode())  # \udce9 stays escaped
        if "id" not in message:
            return None
        async with asyncio.timeout(60):
            return json.loads(await process.stdout.readline())

    def read_code(id_: int, path: str) -> dict[str, Any]:
        call = {"name": "read_code", "arguments": {"path": path, "end_line": 1}}
        return {"jsonrpc": "2.0", "id": id_, "method": "tools/call", "params": call}

    try:
        hello = {"protocolVersion": "2025-06-18", "capabilities": {}}
        hello["clientInfo"] = {"name": "raw", "version": "1"}
        await ask({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": hello})
        await ask({"jsonrpc": "2.0", "method": "notifications/initialized"})
        bad = await ask(read_code(2, os.fsdecode(b"caf\xe9_name.py")))
        assert bad is not None and bad["id"] == 2 and "not valid Unicode" in bad["error"]["message"]
        uri = {"uri": root.as_uri() + "/\udce9"}
        bad = await ask({"jsonrpc": "2.0", "id": "r", "method": "resources/read", "params": uri})
        assert bad is not None and bad["id"] == "r" and bad["error"]["code"] == -32602
        good = await ask(read_code(3, "calc.py"))
        assert (
            good is not None
            and good["result"]["structuredContent"]["text"] == CALC[: CALC.index("\n") + 1]
        )
    finally:
        process.stdin.close()
        async with asyncio.timeout(30):
            await process.wait()
