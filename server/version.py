"""The installed version, read once from package metadata."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("auro-pai")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0"
