"""Inline (fill-in-the-middle) completion: a plain async service below the LSP layer."""

from server.completion.request import CompletionInput, CompletionOutcome, ExtraChunk, FimRequest
from server.completion.service import CompletionService

__all__ = ["CompletionInput", "CompletionOutcome", "CompletionService", "ExtraChunk", "FimRequest"]
