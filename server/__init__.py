"""Auro-PAI: an AI coding assistant backend that speaks LSP."""
