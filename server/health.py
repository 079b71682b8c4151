"""Component health as reported by `/api/v1/health`, `auro/status` and `auro-pai doctor`."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

Status = Literal["ok", "degraded", "down", "unconfigured"]


@dataclass(frozen=True)
class ComponentHealth:
    """One component's state with the reason a person can act on."""

    status: Status
    reason: str = ""

    def to_json(self) -> dict[str, str]:
        return asdict(self)
