"""The web UI's vendored libraries are the versions the vendoring script pins, with licences."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "server" / "webui" / "vendor"
SCRIPT = ROOT / "deploy" / "vendor-webui-assets.sh"


def test_vendored_files_match_the_pinned_versions() -> None:
    pins = dict(re.findall(r"^([A-Z]+)_VERSION=(\S+)$", SCRIPT.read_text(), re.M))
    versions = (VENDOR / "VERSIONS").read_text()
    assert f"marked {pins['MARKED']}" in versions
    assert f"dompurify {pins['DOMPURIFY']}" in versions
    assert f"highlight.js {pins['HIGHLIGHT']}" in versions
    # each file announces its own version in its first bytes
    assert f"marked v{pins['MARKED']}" in (VENDOR / "marked.min.js").read_text()[:200]
    assert f"DOMPurify {pins['DOMPURIFY']}" in (VENDOR / "purify.min.js").read_text()[:200]
    assert f"Highlight.js v{pins['HIGHLIGHT']}" in (VENDOR / "highlight.min.js").read_text()[:200]
    for name in ("marked", "dompurify", "highlight.js"):
        assert (VENDOR / f"LICENSE.{name}").stat().st_size > 500
    for script in VENDOR.glob("*.js"):  # no source maps are shipped, so none are asked for
        assert "sourceMappingURL" not in script.read_text(), script.name
