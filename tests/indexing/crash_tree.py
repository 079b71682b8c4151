"""A tree of Python modules to index, and the edits made to it between crashes."""

from __future__ import annotations

import random
from pathlib import Path


def make_tree(root: Path, files: int = 24, functions: int = 6) -> None:
    for f in range(files):
        body = "\n\n".join(
            f"def handler_{f}_{n}(request, retries={n}):\n"
            f'    """Handle request kind {n} of module {f} with {n} retries."""\n'
            f"    total = sum(range({n + f}))\n"
            f"    return request.reply(total * {n})\n"
            for n in range(functions)
        )
        path = root / f"pkg{f % 4}" / f"module_{f}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body + "\n")


def mutate(root: Path, rng: random.Random, step: int) -> None:
    """Edits, deletes and adds between crashes, so replays meet changed files."""
    files = sorted(root.rglob("*.py"))
    for victim in rng.sample(files, 3):
        victim.write_text(victim.read_text().replace("retries", f"attempts{step}_"))
    if len(files) > 10 and rng.random() < 0.5:
        rng.choice(files).unlink()
    (root / f"added_{step}.py").write_text(f"def added_{step}():\n    return {step}\n")
