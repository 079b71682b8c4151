"""One typed settings model and the layered loader that never lets bad config kill the server.

Sources, lowest first: defaults, `.env` in the working directory, environment variables,
LSP `initializationOptions`, the client's `auro` configuration section. Every key may be
spelled as its environment variable (`CHUNK_SIZE`), its field name (`chunk_size`) or in
camelCase (`chunkSize`). A value that fails validation is reported and the previous layer's
value is kept.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from dotenv import dotenv_values
from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

CsvList = Annotated[list[str], NoDecode]


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def setting(default: Any, env: str, doc: str, **constraints: Any) -> Any:
    """A field readable as its env name, its field name or camelCase; `doc` feeds .env.example."""
    return Field(default, description=doc, validation_alias=env, **constraints)


class Settings(BaseSettings):
    """Every knob of Auro-PAI. Field docs are the source of `.env.example`."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    # LLM providers
    llamacpp_server_url: str = setting(
        "http://127.0.0.1:8080",
        "LLAMACPP_SERVER_URL",
        "llama.cpp server base URL(s), comma-separated for load balancing; empty disables it",
    )
    llamacpp_model_name: str = setting(
        "local-model", "LLAMACPP_MODEL_NAME", "Model name sent to the llama.cpp server"
    )
    openai_api_key: str = setting("", "OPENAI_API_KEY", "OpenAI (or compatible) API key")
    openai_base_url: str = setting(
        "https://api.openai.com/v1",
        "OPENAI_BASE_URL",
        "OpenAI-compatible base URL(s) (vLLM, LM Studio, Ollama /v1), comma-separated",
    )
    openai_model: str = setting("gpt-4o-mini", "OPENAI_MODEL", "OpenAI model name")
    gemini_api_key: str = setting("", "GEMINI_API_KEY", "Google Gemini API key")
    gemini_model: str = setting("gemini-2.0-flash", "GEMINI_MODEL", "Gemini model name")
    gemini_base_url: str = setting(
        "https://generativelanguage.googleapis.com",
        "GEMINI_BASE_URL",
        "Gemini API base URL (overridable for local test servers)",
    )
    llm_providers: CsvList = setting(
        [],
        "AURO_LLM_PROVIDERS",
        "Provider order, e.g. llamacpp,openai,gemini; empty = those configured, local first",
    )
    llm_connect_timeout: float = setting(
        5.0, "AURO_LLM_CONNECT_TIMEOUT", "Seconds to connect to an LLM endpoint"
    )
    llm_first_token_timeout: float = setting(
        60.0, "AURO_LLM_FIRST_TOKEN_TIMEOUT", "Seconds to wait for the first streamed token"
    )
    llm_idle_timeout: float = setting(
        30.0, "AURO_LLM_IDLE_TIMEOUT", "Seconds allowed between streamed tokens"
    )
    llm_total_timeout: float = setting(
        600.0, "AURO_LLM_TOTAL_TIMEOUT", "Seconds allowed for a whole LLM answer"
    )
    llm_max_retries: int = setting(
        2, "AURO_LLM_MAX_RETRIES", "Retries per provider before failing over"
    )
    llm_reply_reserve: int = setting(
        1024,
        "AURO_LLM_REPLY_RESERVE",
        "Reply limit in tokens: sent as max_tokens (Gemini maxOutputTokens) and kept free in "
        "the window",
        gt=0,
    )
    llm_load_wait: float = setting(
        120.0,
        "AURO_LLM_LOAD_WAIT",
        "Seconds to wait for a server that is still loading its model before failing over",
        ge=0,
    )
    llm_model_refresh: float = setting(
        300.0,
        "AURO_LLM_MODEL_REFRESH",
        "Seconds between re-reads of a server's model id and window (0 = only after failures)",
        ge=0,
    )

    # Sessions
    max_sessions: int = setting(
        100, "MAX_SESSIONS", "Chat sessions kept; the least recently used is evicted"
    )
    session_timeout: int = setting(
        86400, "SESSION_TIMEOUT", "Seconds of inactivity after which a session expires"
    )

    # Index
    chromadb_host: str = setting(
        "", "CHROMADB_HOST", "Chroma server host; empty = embedded Chroma in the data dir"
    )
    chromadb_port: int = setting(8000, "CHROMADB_PORT", "Chroma server port")
    embedding_model: str = setting(
        "all-MiniLM-L6-v2",
        "EMBEDDING_MODEL",
        "Embedding model: a local path, or all-MiniLM-L6-v2 for the packaged copy",
    )
    embedding_backend: Literal["auto", "torch", "onnx", "onnx-int8"] = setting(
        "auto", "AURO_EMBEDDING_BACKEND", "Embedding runtime: auto, torch, onnx or onnx-int8"
    )
    chunk_size: int = setting(
        256, "CHUNK_SIZE", "Chunk budget in embedding-model tokens, header included"
    )
    max_file_bytes: int = setting(
        1_000_000, "AURO_MAX_FILE_BYTES", "Files larger than this are not indexed"
    )
    ignore_globs: CsvList = setting(
        [], "AURO_IGNORE_GLOBS", "Extra gitignore-style patterns to skip, comma-separated"
    )
    index_allow_dirs: CsvList = setting(
        [],
        "AURO_INDEX_ALLOW_DIRS",
        "Folders outside the workspace roots that POST /api/v1/rag/index may index",
    )
    index_debounce_ms: int = setting(
        300, "AURO_INDEX_DEBOUNCE_MS", "File events are coalesced over this many milliseconds"
    )
    watch_files: bool = setting(
        True, "AURO_WATCH_FILES", "Watch the workspace with watchdog and reindex on change"
    )
    search_dense_weight: float = setting(
        1.0, "AURO_SEARCH_DENSE_WEIGHT", "Weight of the embedding ranking in rank fusion", ge=0
    )
    search_keyword_weight: float = setting(
        0.5, "AURO_SEARCH_KEYWORD_WEIGHT", "Weight of the keyword ranking in rank fusion", ge=0
    )
    search_rerank: bool = setting(
        True, "AURO_SEARCH_RERANK", "Rerank fused search results with the fitted linear model"
    )

    # Tools
    web_search_enabled: bool = setting(True, "WEB_SEARCH_ENABLED", "Enable web search tools")
    web_search_engine: str = setting("duckduckgo", "WEB_SEARCH_ENGINE", "Web search engine")
    fetch_max_bytes: int = setting(
        2_000_000, "AURO_FETCH_MAX_BYTES", "Largest page body fetched, in bytes"
    )
    fetch_allow_hosts: CsvList = setting(
        [], "AURO_FETCH_ALLOW_HOSTS", "host[:port] list that URL fetching may reach though private"
    )
    fetch_respect_robots: bool = setting(
        True, "AURO_FETCH_RESPECT_ROBOTS", "Honour robots.txt when fetching pages"
    )
    fetch_connect_timeout: float = setting(
        5.0, "AURO_FETCH_CONNECT_TIMEOUT", "Seconds to open a connection when fetching", gt=0
    )
    fetch_read_timeout: float = setting(
        10.0, "AURO_FETCH_READ_TIMEOUT", "Seconds allowed between body reads", gt=0
    )
    fetch_timeout: float = setting(
        20.0, "AURO_FETCH_TIMEOUT", "Seconds for one whole fetch, redirects included", gt=0
    )
    fetch_max_redirects: int = setting(
        5, "AURO_FETCH_MAX_REDIRECTS", "Most redirects followed", ge=0, le=20
    )
    fetch_text_budget: int = setting(
        20_000, "AURO_FETCH_TEXT_BUDGET", "Characters of extracted page text kept", gt=0
    )
    fetch_cache_ttl: float = setting(
        600.0, "AURO_FETCH_CACHE_TTL", "Seconds a fetched page is reused; 0 = no cache", ge=0
    )
    fetch_cache_size: int = setting(128, "AURO_FETCH_CACHE_SIZE", "Fetched pages cached", ge=0)
    fetch_global_rate: float = setting(
        10.0, "AURO_FETCH_GLOBAL_RATE", "Fetches per second across all hosts", gt=0
    )
    fetch_host_rate: float = setting(
        2.0, "AURO_FETCH_HOST_RATE", "Fetches per second to one host", gt=0
    )
    web_search_timeout: float = setting(
        10.0, "AURO_WEB_SEARCH_TIMEOUT", "Seconds one web search may take", gt=0
    )
    search_fetch_top_max: int = setting(
        5, "AURO_SEARCH_FETCH_TOP_MAX", "Most pages search-and-fetch reads", ge=1, le=10
    )
    search_fetch_deadline: float = setting(
        30.0, "AURO_SEARCH_FETCH_DEADLINE", "Seconds for a whole search-and-fetch", gt=0
    )

    # Server
    data_dir: Path | None = setting(
        None, "AURO_DATA_DIR", "Where indexes and sessions live; default: the XDG data dir"
    )
    http_enabled: bool = setting(True, "AURO_HTTP_ENABLED", "Run the HTTP sidecar")
    http_host: str = setting("127.0.0.1", "AURO_HTTP_HOST", "HTTP sidecar bind address")
    http_port: int | None = setting(
        None,
        "AURO_HTTP_PORT",
        "HTTP sidecar port; 0 = any free port; unset = 8000 for serve, a free port for lsp",
    )
    http_token: str = setting(
        "",
        "AURO_HTTP_TOKEN",
        "Bearer token for the HTTP API; empty = a random token per workspace, kept in its data dir",
    )
    http_auth: bool = setting(
        True, "AURO_HTTP_AUTH", "Require the bearer token (false = no auth; loopback only)"
    )
    http_allowed_hosts: CsvList = setting(
        [],
        "AURO_HTTP_ALLOWED_HOSTS",
        "Extra Host header names accepted besides loopback and the bind host; * = any",
    )
    http_cors_origins: CsvList = setting(
        [],
        "AURO_HTTP_CORS_ORIGINS",
        "Browser origins allowed by CORS, comma-separated; empty = none",
    )
    http_max_body_bytes: int = setting(
        1_048_576, "AURO_HTTP_MAX_BODY_BYTES", "Largest HTTP request body, in bytes", gt=0
    )
    http_rate_limit: float = setting(
        20.0, "AURO_HTTP_RATE_LIMIT", "Requests per second per client address (token bucket)", gt=0
    )
    http_rate_burst: int = setting(
        60, "AURO_HTTP_RATE_BURST", "Requests a client may send at once before rate limiting", ge=1
    )
    http_max_streams: int = setting(
        8, "AURO_HTTP_MAX_STREAMS", "Concurrent streaming (SSE) responses", ge=1
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = setting(
        "INFO", "LOG_LEVEL", "Log level"
    )

    @field_validator(
        "llm_providers", "ignore_globs", "fetch_allow_hosts", "index_allow_dirs", mode="before"
    )
    @classmethod
    def _split_csv(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("http_allowed_hosts", "http_cors_origins", mode="before")
    @classmethod
    def _split_http_csv(cls, value: Any) -> Any:
        return cls._split_csv(value)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("data_dir", "http_port", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        return None if value == "" else value


def _spellings() -> dict[str, str]:
    """Map every accepted spelling (lower-cased) of every key to its field name."""
    names: dict[str, str] = {}
    for name, field in Settings.model_fields.items():
        env = str(field.validation_alias)
        for spelling in (name, env, _camel(name)):
            names[spelling.lower()] = name
    return names


SPELLINGS = _spellings()


@dataclass(frozen=True)
class ConfigWarning:
    """An ignored configuration value: which key, what was given, what is kept."""

    key: str
    value: Any
    kept: Any
    reason: str

    def message(self) -> str:
        return f"Auro: invalid {self.key}={self.value!r} ({self.reason}); keeping {self.kept!r}"


def normalize(raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Map user spellings to field names; return (known values, unknown keys)."""
    known: dict[str, Any] = {}
    unknown: list[str] = []
    for key, value in raw.items():
        field = SPELLINGS.get(str(key).lower())
        if field is None:
            unknown.append(str(key))
        else:
            known[field] = value
    return known, unknown


def apply_layer(
    base: Settings, raw: Mapping[str, Any], source: str, fallback: Settings | None = None
) -> tuple[Settings, list[ConfigWarning]]:
    """Overlay one source on `base`; a key that fails validation keeps its `fallback` value
    (the settings in force, when reloading) or else its `base` value."""
    values, _ = normalize(raw)
    accepted = base.model_dump()
    keep = (fallback or base).model_dump()
    warnings: list[ConfigWarning] = []
    for field, value in values.items():
        trial = {**accepted, field: value}
        try:
            accepted = Settings.model_validate(trial).model_dump()
        except ValidationError as exc:
            reason = exc.errors()[0]["msg"]
            env = str(Settings.model_fields[field].validation_alias)
            accepted = Settings.model_validate({**accepted, field: keep[field]}).model_dump()
            warnings.append(ConfigWarning(f"{env} ({source})", value, keep[field], reason))
    return Settings.model_validate(accepted), warnings


def _defaults() -> Settings:
    """Defaults only: no environment, no .env (pydantic-settings sources bypassed)."""
    return Settings.model_construct()


def load_settings(
    *layers: tuple[str, Mapping[str, Any]],
    env: Mapping[str, str] | None = None,
    dotenv_path: Path | None = None,
    fallback: Settings | None = None,
) -> tuple[Settings, list[ConfigWarning]]:
    """Build settings from defaults, .env, the environment, then each (source, values) layer.

    `fallback` is the configuration in force when reloading: invalid new values keep it.
    """
    dotenv_file = dotenv_path if dotenv_path is not None else Path.cwd() / ".env"
    dotenv = {k: v for k, v in dotenv_values(dotenv_file).items() if v is not None}
    environ = dict(os.environ if env is None else env)
    sources: list[tuple[str, Mapping[str, Any]]] = [
        (".env", {k: v for k, v in dotenv.items() if k.lower() in SPELLINGS}),
        ("environment", {k: v for k, v in environ.items() if k.lower() in SPELLINGS}),
        *layers,
    ]
    settings = _defaults()
    warnings: list[ConfigWarning] = []
    for source, values in sources:
        settings, found = apply_layer(settings, values, source, fallback)
        warnings.extend(found)
    return settings, warnings


def env_example() -> str:
    """The text of `.env.example`: every setting, its default and its meaning."""
    lines = ["# Auro-PAI settings. Copy to .env and edit; environment variables override.", ""]
    for field in Settings.model_fields.values():
        default = field.default
        if isinstance(default, list):
            default = ",".join(default)
        shown = (
            ""
            if default is None
            else str(default).lower()
            if isinstance(default, bool)
            else default
        )
        lines.append(f"# {field.description}")
        lines.append(f"{field.validation_alias}={shown}")
        lines.append("")
    return "\n".join(lines)
