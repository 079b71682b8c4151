"""Token estimates for providers that do not expose their tokenizer.

Calibration: BPE tokenizers of current chat models (cl100k/o200k, Gemini SentencePiece)
average about 4 characters per token on English prose and 3.2-3.8 on source code.
We divide ASCII text by 3.5 and add 10 %, which over-counts prose and code in practice,
count each non-ASCII character as a whole token (CJK and emoji are often 1-2 tokens),
add 4 tokens per message for role markers and charge a flat amount per image. Over-counting
only costs a little context; under-counting would get the prompt rejected.
"""

from __future__ import annotations

import math

from server.llm.messages import Message

CHARS_PER_TOKEN = 3.5
SAFETY_FACTOR = 1.10
TOKENS_PER_MESSAGE = 4
TOKENS_PER_IMAGE = 800


def estimate_text_tokens(text: str) -> int:
    ascii_chars = sum(1 for ch in text if ord(ch) < 128)
    other = len(text) - ascii_chars
    return math.ceil(ascii_chars / CHARS_PER_TOKEN * SAFETY_FACTOR) + other


def estimate_message_tokens(messages: list[Message]) -> int:
    total = 0
    for message in messages:
        total += TOKENS_PER_MESSAGE + estimate_text_tokens(message.text())
        total += TOKENS_PER_IMAGE * len(message.images())
    return total
