"""`auro-pai config`: the effective settings and where each came from, or `.env.example`."""

from __future__ import annotations

import argparse
import sys

from server.config import resolve_settings
from server.settings_view import config_listing, env_example


def run(args: argparse.Namespace) -> int:
    if args.example:
        sys.stdout.write(env_example())
        return 0
    resolved = resolve_settings()
    for warning in resolved.warnings:
        sys.stderr.write(warning.message() + "\n")
    sys.stdout.write(config_listing(resolved))
    return 0
