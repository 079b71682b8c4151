"""One writer per index: an exclusive `flock` on `index.lock` beside `index.sqlite3`.

A language server with its HTTP sidecar off cannot be reached by `auro-pai mcp`, `index` or
`search`, which would then open the same data folder in their own process: two writers, each
scanning, embedding and replaying the other's intents. The lock makes the second one refuse
(`IndexInUse`, a ValueError so every front end's "cannot open this root" path reports it)
before it touches anything. The kernel drops a `flock` when its file is closed, so a process
that dies, however it dies, leaves no stale lock behind; the holder's pid in the file is only
for the message.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

LOCK_NAME = "index.lock"
GRACE_S = 3.0  # a language server asked to exit is gone within 1 s (docs/reliability.md)
POLL_S = 0.1


class IndexInUse(ValueError):
    """Another process (or another open index in this one) writes this data folder."""

    def __init__(self, data_dir: Path, holder: str) -> None:
        who = f"process {holder}" if holder else "another process"
        super().__init__(
            f"the index in {data_dir} is in use by {who} (an Auro language server or "
            "command); only one process may write an index. Turn on that server's HTTP "
            "sidecar (AURO_HTTP_ENABLED=true) so other commands go through it, or stop it"
        )
        self.data_dir = data_dir
        self.holder = holder


class IndexLock:
    """Held from `acquire` until `release` (or the process's death)."""

    def __init__(self, fd: int, path: Path) -> None:
        self._fd: int | None = fd
        self.path = path

    @classmethod
    def acquire(cls, data_dir: Path, grace_s: float = GRACE_S) -> IndexLock:
        """Take the lock, waiting up to `grace_s` for a holder that is exiting (an editor
        restarting its language server starts the new one before the old one has gone);
        `IndexInUse` when it is still held then. Blocks: call it off the event loop."""
        data_dir.mkdir(parents=True, exist_ok=True)
        path = data_dir / LOCK_NAME
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        deadline = time.monotonic() + grace_s
        try:
            while not _try_lock(fd):
                if time.monotonic() >= deadline:
                    holder = os.read(fd, 32).decode("ascii", "replace").strip()
                    raise IndexInUse(data_dir, holder)
                time.sleep(POLL_S)
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        return cls(fd, path)

    def release(self) -> None:
        """Closing the file drops the lock; the file stays (removing it would race a
        process that just opened it)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
