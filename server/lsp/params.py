"""Validation of custom-request params: pygls delivers them as nested namedtuples."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pygls.exceptions import JsonRpcInvalidParams

M = TypeVar("M", bound=BaseModel)


def to_plain(value: Any) -> Any:
    """Namedtuples (pygls' decoding of unknown params) back to dicts and lists."""
    if hasattr(value, "_asdict"):
        return {k: to_plain(v) for k, v in value._asdict().items()}
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    return value


def parse_params(model: type[M], raw: Any, method: str) -> M:
    """Validate into `model`, or raise InvalidParams naming the method and the field."""
    try:
        return model.model_validate(to_plain(raw) if raw is not None else {})
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"]) or "params"
        raise JsonRpcInvalidParams(f"{method}: {field}: {error['msg']}") from exc
