"""Where the reliability suite's measured figures go: one printed line per result."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def record(name: str, figures: dict[str, Any]) -> None:
    """Print one result line and, with AURO_RELIABILITY_RESULTS=DIR, keep it for the bench."""
    line = json.dumps({"name": name, **figures}, default=str)
    print(f"\nFIGURES {line}")
    out = os.environ.get("AURO_RELIABILITY_RESULTS")
    if out:
        Path(out).mkdir(parents=True, exist_ok=True)
        with open(Path(out) / "figures.jsonl", "a") as f:
            f.write(line + "\n")
