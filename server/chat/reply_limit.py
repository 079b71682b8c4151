"""The reply limit of a code action, sized from the code it rewrites.

A suggestion returns the whole target again (plus docstrings, or tests several times its
size) and a short rationale, so its limit follows the selection: a multiple of its tokens
plus room for the rationale, between a floor (tiny selections still get a full answer) and
a ceiling (a huge selection cannot claim the whole window). The manager then keeps that
many tokens of the window free and sends it as the request's `max_tokens`.
"""

from __future__ import annotations

from typing import Literal

from server.llm.estimate import estimate_text_tokens

RATIONALE_TOKENS = 256
FLOOR_TOKENS = 512
CEILING_TOKENS = 8192
FACTORS: dict[str, float] = {"refactor": 1.5, "fix": 1.5, "docstrings": 2.5, "tests": 4.0}

Kind = Literal["refactor", "docstrings", "fix", "tests"]


def suggestion_reply_limit(kind: Kind, target: str) -> int:
    """Tokens the model may write for a suggestion on `target`."""
    wanted = int(estimate_text_tokens(target) * FACTORS[kind]) + RATIONALE_TOKENS
    return max(FLOOR_TOKENS, min(CEILING_TOKENS, wanted))
