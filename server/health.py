"""Component health as reported by `/api/v1/health`, `auro/status` and `auro-pai doctor`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Literal

Status = Literal["ok", "degraded", "down", "unconfigured"]
SEVERITY: dict[Status, int] = {"ok": 0, "unconfigured": 0, "degraded": 1, "down": 2}


@dataclass(frozen=True)
class ComponentHealth:
    """One component's state with the reason a person can act on."""

    status: Status
    reason: str = ""

    def to_json(self) -> dict[str, str]:
        return asdict(self)


def worst(states: Iterable[ComponentHealth]) -> ComponentHealth:
    """The most severe of several states (one component across roots, or all components)."""
    return max(states, key=lambda h: SEVERITY[h.status], default=ComponentHealth("ok"))
