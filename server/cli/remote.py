"""`search` and `chat` through the server already running for a workspace.

A running `serve` (or editor session) has the model loaded and the index open; asking it
takes a tenth of a second where starting our own takes seconds. Its address file lives in
the workspace's folder in the user's data dir (never in the repository), and it is used only
after checking it: the process it names is alive, and the server answers our token with a
list of workspaces that holds this root, or a root this folder lies inside (an editor with
several folders open, or the repository around a subfolder). Anything else means "no
server": the caller works in-process instead. What the server returns is restricted to the
folder asked for (`RemoteServer.root`, `within`), since it may hold other roots too.
Only the standard library is imported here, to start fast.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from server.cli.errors import CliError

log = logging.getLogger(__name__)

ADDRESS_FILE = "sidecar.json"
PROBE_TIMEOUT_S = 1.0
SEARCH_TIMEOUT_S = 60.0
CHAT_TIMEOUT_S = 600.0
# no proxies: the server is on this machine and the token must not travel anywhere else
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True)
class RemoteServer:
    url: str
    token: str | None
    root: Path | None = None  # the server's workspace root that holds the folder asked for
    within: str = ""  # that folder relative to `root` (POSIX), "" when it is the root itself

    def call(self, method: str, path: str, body: Any = None, timeout: float = PROBE_TIMEOUT_S):
        """The open response (a context manager); HTTPError for 4xx/5xx answers."""
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.url + path, data, headers, method=method)
        return _OPENER.open(request, timeout=timeout)

    def get_json(self, path: str, timeout: float = PROBE_TIMEOUT_S) -> Any:
        with self.call("GET", path, timeout=timeout) as response:
            return json.load(response)


def _alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, someone else's (the port check below still applies)
    return True


def _read_token(address: dict[str, Any], default: str | None) -> str | None:
    token_file = address.get("token_file")
    if not token_file:
        return default
    try:
        return Path(token_file).read_text().strip() or default
    except OSError:
        return default


def _verified(address_file: Path, holder: Path, token: str | None) -> RemoteServer | None:
    """The server `address_file` names, if it is alive and `holder` is one of its roots."""
    try:
        address = json.loads(address_file.read_text())
        url = address["url"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(url, str) or not url.startswith("http://"):
        return None
    if "pid" in address and not _alive(address["pid"]):
        log.debug("address file %s names a dead process", address_file)
        return None
    server = RemoteServer(url.rstrip("/"), _read_token(address, token), holder)
    try:
        stats = server.get_json("/api/v1/rag/stats")
        roots = [Path(w["root"]) for w in stats["workspaces"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.debug("server at %s not usable: %s", url, exc)
        return None
    if holder not in roots:
        log.debug("server at %s serves %s, not %s", url, roots, holder)
        return None
    return server


def find_server(
    root: Path, token: str | None, data_dir_of: Callable[[Path], Path]
) -> RemoteServer | None:
    """The verified server whose index holds `root` (the innermost of `root` and the folders
    around it that a live server serves), or None.

    `data_dir_of(folder)` is that folder's place in the data dir, where a server writes its
    address file; `token` is the configured AURO_HTTP_TOKEN, used when the server has no
    token file."""
    for holder in (root, *root.parents):
        address_file = data_dir_of(holder) / ADDRESS_FILE
        if not address_file.is_file():
            continue
        server = _verified(address_file, holder, token)
        if server is not None:
            within = root.relative_to(holder).as_posix()
            return replace(server, within="" if within == "." else within)
    return None


_GLOB_SPECIALS = re.compile(r"([*?\\[\]!#])")


def scoped_globs(within: str, globs: list[str] | None) -> list[str] | None:
    """`globs` (gitignore-style, relative to the folder asked for) as globs relative to the
    server's root that only match inside that folder."""
    if not within:
        return globs
    base = "/" + _GLOB_SPECIALS.sub(r"\\\1", within)
    if not globs:
        return [base + "/"]
    scoped = []
    for given in globs:
        negated = given.startswith("!")
        body = given[1:] if negated else given
        # a glob with no inner `/` matches at any depth, one with a `/` from the root
        inner = "/" in body.rstrip("/")
        glob = base + ("/" if inner else "/**/") + body.lstrip("/")
        scoped.append("!" + glob if negated else glob)
    return scoped


def results_within(within: str, results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Results of the server's root as results of the folder asked for (paths relative to
    it); anything outside it is dropped."""
    if not within:
        return results
    prefix = within + "/"
    return [
        {**r, "path": r["path"][len(prefix) :]} for r in results if r["path"].startswith(prefix)
    ]


def _api_error(exc: urllib.error.HTTPError) -> str:
    try:
        body = json.load(exc)
        return str(body.get("message") or body.get("error") or body)
    except (ValueError, AttributeError):
        return exc.reason if isinstance(exc.reason, str) else str(exc)


def remote_search(server: RemoteServer, query: str, k: int, group: bool = False) -> dict[str, Any]:
    """`POST /api/v1/rag/search`: {results, complete, warnings}."""
    body = {
        "query": query,
        "k": k,
        "group": group,
        "root": None if server.root is None else str(server.root),
        "paths": scoped_globs(server.within, None),
    }
    try:
        with server.call("POST", "/api/v1/rag/search", body, SEARCH_TIMEOUT_S) as response:
            outcome = json.load(response)
            outcome["results"] = results_within(server.within, outcome["results"])
            return outcome
    except urllib.error.HTTPError as exc:
        raise CliError(
            f"the server at {server.url} refused the search: {_api_error(exc)}"
        ) from None
    except OSError as exc:
        raise CliError(
            f"the server at {server.url} stopped answering: {exc}",
            "run the command again (it works without the server too)",
        ) from None


def _sse_events(response) -> Iterator[Any]:
    """The `data:` payloads of a Server-Sent Events stream, decoded, until `[DONE]`."""
    for raw in response:
        line = raw.decode().rstrip("\r\n")
        if not line.startswith("data: "):
            continue
        data = line[len("data: ") :]
        if data == "[DONE]":
            return
        yield json.loads(data)


def remote_chat(
    server: RemoteServer,
    message: str,
    session_id: str | None,
    include_rag: bool,
    on_text: Callable[[str], None] | None,
    images: Sequence[str] = (),
) -> dict[str, Any]:
    """One streamed chat turn; `on_text` gets each piece, the full reply is returned.
    `images` are data URLs, checked again by the server."""
    body = {
        "message": message,
        "session_id": session_id,
        "include_rag": include_rag,
        "stream": True,
        "images": list(images),
    }
    reply: dict[str, Any] | None = None
    try:
        with server.call("POST", "/api/v1/chat", body, CHAT_TIMEOUT_S) as response:
            for event in _sse_events(response):
                if "session_id" in event:
                    reply = event
                elif "text" in event and on_text is not None:
                    on_text(event["text"])
                elif "loading" in event:  # the server's model is still loading
                    from server.llm.events import ModelLoading  # only then: keeps start-up fast

                    sys.stderr.write(ModelLoading(**event["loading"]).message() + "\n")
    except urllib.error.HTTPError as exc:
        raise CliError(f"the server at {server.url} refused the chat: {_api_error(exc)}") from None
    except OSError as exc:
        raise CliError(f"the server at {server.url} stopped answering: {exc}") from None
    if reply is None:
        raise CliError(f"the server at {server.url} ended the answer early")
    return reply
