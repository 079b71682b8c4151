"""Images attached to a chat question: decoded, sniffed and limited in one place, so REST,
LSP and the CLI refuse the same inputs with the same reasons.

The type is read from the bytes (magic numbers), never trusted from a name or a header: a
model server sees only PNG, JPEG, GIF or WebP.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from server.config import Settings
from server.llm import ImagePart

DATA_URL = re.compile(r"^data:(?P<mime>[\w.+-]+/[\w.+-]+);base64,(?P<data>.*)$", re.S)
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
# WebP is RIFF....WEBP: checked in `sniff`


@dataclass(frozen=True)
class ImageLimits:
    max_images: int
    max_bytes: int

    @classmethod
    def from_settings(cls, settings: Settings) -> ImageLimits:
        return cls(settings.chat_max_images, settings.chat_max_image_bytes)

    def base64_bytes_each(self) -> int:
        """The largest allowed image as base64, with room for a data URL's prefix."""
        return 4 * -(-self.max_bytes // 3) + 64

    def base64_bytes(self) -> int:
        """How many body bytes the largest allowed images take as base64."""
        return self.max_images * self.base64_bytes_each()


class ImageRejected(ValueError):
    """An attachment that is refused; `status` is 413 (too large, too many) or 422."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


def sniff(data: bytes) -> str | None:
    """The image type the bytes themselves say, or None for anything else."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return next((mime for magic, mime in SIGNATURES if data.startswith(magic)), None)


def image_from_bytes(data: bytes, limits: ImageLimits, name: str = "image") -> ImagePart:
    if len(data) > limits.max_bytes:
        raise ImageRejected(
            f"{name} is {len(data)} bytes; the limit is {limits.max_bytes} "
            "(AURO_CHAT_MAX_IMAGE_BYTES)",
            413,
        )
    mime = sniff(data)
    if mime is None:
        raise ImageRejected(f"{name} is not a PNG, JPEG, GIF or WebP image")
    return ImagePart(mime, data)


def image_from_file(path: Path, limits: ImageLimits) -> ImagePart:
    """An image file (already confined by the caller); the size is checked before reading."""
    name = path.name or str(path)
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise ImageRejected(f"{name} is not a regular file")
        if size > limits.max_bytes:
            raise ImageRejected(
                f"{name} is {size} bytes; the limit is {limits.max_bytes} "
                "(AURO_CHAT_MAX_IMAGE_BYTES)",
                413,
            )
        data = path.read_bytes()
    except OSError as exc:
        raise ImageRejected(f"cannot read {name}: {exc.strerror or exc}") from None
    return image_from_bytes(data, limits, name)


def images_from_files(
    paths: Sequence[Path], limits: ImageLimits, check: Callable[[Path], None] | None = None
) -> tuple[ImagePart, ...]:
    """The files as images, counted first; `check` refuses a path before it is read (the
    LSP confines paths to the workspace; the CLI user names their own files)."""
    check_count(paths, limits)
    images = []
    for path in paths:
        if check is not None:
            check(path)
        images.append(image_from_file(path, limits))
    return tuple(images)


def image_from_text(value: str, limits: ImageLimits, name: str = "image") -> ImagePart:
    """A `data:image/...;base64,` URL or bare base64; a declared type must match the bytes."""
    declared = None
    if (match := DATA_URL.match(value.strip())) is not None:
        declared, value = match["mime"].lower(), match["data"]
    elif value.lstrip().startswith("data:"):
        raise ImageRejected(f"{name} is a data URL without ';base64,' (only base64 is accepted)")
    if len(value) > limits.base64_bytes_each():
        raise ImageRejected(
            f"{name} is larger than {limits.max_bytes} bytes (AURO_CHAT_MAX_IMAGE_BYTES)", 413
        )
    try:
        data = base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError):
        raise ImageRejected(f"{name} is not valid base64") from None
    image = image_from_bytes(data, limits, name)
    if declared is not None and declared != image.mime_type:
        raise ImageRejected(f"{name} says {declared} but its bytes are {image.mime_type}")
    return image


def check_count(images: Sequence[object], limits: ImageLimits) -> None:
    if len(images) > limits.max_images:
        raise ImageRejected(
            f"{len(images)} images attached; the limit is {limits.max_images} "
            "(AURO_CHAT_MAX_IMAGES)",
            413,
        )
