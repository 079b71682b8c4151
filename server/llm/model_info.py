"""What a server says about the model it runs (id, window, vision), and how long to trust it.

A server can be restarted with another model or another `-c` while Auro keeps running, so
these facts are re-read after `max_age` seconds and whenever the manager sees the endpoint
recover from a failure or finish loading.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any, Literal

DEFAULT_MAX_AGE = 300.0

ProbeState = Literal["ready", "loading", "down"]


@dataclass(frozen=True)
class ModelInfo:
    """None means the server did not say."""

    model: str | None = None
    window: int | None = None
    vision: bool | None = None


@dataclass(frozen=True)
class EndpointProbe:
    """One endpoint as `doctor` reports it; `detail` is a sentence, never an exception repr."""

    provider: str
    endpoint: str
    state: ProbeState
    detail: str
    info: ModelInfo = ModelInfo()

    def to_json(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "endpoint": self.endpoint,
            "state": self.state,
            "detail": self.detail,
            "model": self.info.model,
            "window": self.info.window,
            "vision": self.info.vision,
        }


class InfoCache:
    """The last `ModelInfo` read, valid for `max_age` seconds (0 = until forgotten)."""

    def __init__(
        self, max_age: float = DEFAULT_MAX_AGE, clock: Callable[[], float] = time.monotonic
    ):
        self.max_age = max_age
        self._clock = clock
        self._info: ModelInfo | None = None
        self._read_at = 0.0

    def fresh(self) -> ModelInfo | None:
        if self._info is None:
            return None
        if self.max_age > 0 and self._clock() - self._read_at >= self.max_age:
            return None
        return self._info

    @property
    def last(self) -> ModelInfo | None:
        """The last reading even when stale (for reports while the server is away)."""
        return self._info

    def store(self, info: ModelInfo) -> ModelInfo:
        self._info, self._read_at = info, self._clock()
        return info

    def forget(self) -> None:
        self._info = None


def display_model_id(raw: str) -> str:
    """llama.cpp's default id is the `-m` path; report the file name, not the user's folders."""
    if raw.lower().endswith(".gguf") and ("/" in raw or "\\" in raw):
        name = PureWindowsPath(raw).name if "\\" in raw else PurePosixPath(raw).name
        return name or raw
    return raw
