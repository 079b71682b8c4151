"""The settings model: every knob of Auro-PAI, its docs, and who may set it.

Trust is a marker on each field: `workspace=True` for the few keys a workspace may set,
`secret=True` for values masked wherever settings are shown. A key is user-only unless
marked, so a field added later is protected by default.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from server.place_priors import parse_factors
from server.settings_fields import CsvList, setting

SERVE_PORT = 8765  # `serve`'s default port; not 8000, which is Chroma's (CHROMADB_PORT)


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
    openai_api_key: str = setting(
        "", "OPENAI_API_KEY", "OpenAI (or compatible) API key", secret=True
    )
    openai_base_url: str = setting(
        "https://api.openai.com/v1",
        "OPENAI_BASE_URL",
        "OpenAI-compatible base URL(s) (vLLM, LM Studio, Ollama /v1), comma-separated",
    )
    llamacpp_vision: Literal["auto", "yes", "no"] = setting(
        "auto",
        "LLAMACPP_VISION",
        "Whether the llama.cpp model sees images: auto = what its /props says (--mmproj)",
    )
    openai_model: str = setting("gpt-4o-mini", "OPENAI_MODEL", "OpenAI model name")
    openai_vision: bool = setting(
        True, "OPENAI_VISION", "Whether the OpenAI-compatible model accepts image parts"
    )
    gemini_api_key: str = setting("", "GEMINI_API_KEY", "Google Gemini API key", secret=True)
    gemini_model: str = setting("gemini-2.0-flash", "GEMINI_MODEL", "Gemini model name")
    gemini_vision: bool = setting(
        True, "GEMINI_VISION", "Whether the Gemini model accepts images (inline_data)"
    )
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

    # Inline completion (fill-in-the-middle)
    inline_completion_enabled: bool = setting(
        True,
        "AURO_INLINE_COMPLETION",
        "Offer inline (fill-in-the-middle) completions; debounce is the editor's setting",
    )
    inline_completion_provider: Literal["auto", "llamacpp", "openai"] = setting(
        "auto",
        "AURO_INLINE_COMPLETION_PROVIDER",
        "FIM provider: auto = the configured ones with FIM (llama.cpp /infill, OpenAI "
        "/v1/completions with suffix), in AURO_LLM_PROVIDERS order",
    )
    inline_completion_max_lines: int = setting(
        8,
        "AURO_INLINE_COMPLETION_MAX_LINES",
        "Most lines of a multi-line suggestion (only at a new block or an empty body)",
        ge=1,
        le=100,
        workspace=True,
    )
    inline_completion_max_tokens: int = setting(
        128,
        "AURO_INLINE_COMPLETION_MAX_TOKENS",
        "Most tokens a multi-line suggestion may generate (n_predict)",
        gt=0,
        le=2048,
    )
    inline_completion_context_tokens: int = setting(
        512,
        "AURO_INLINE_COMPLETION_CONTEXT_TOKENS",
        "Token budget for chunks of other files found in the index (0 = none)",
        ge=0,
        le=16384,
    )
    inline_completion_recent_regions: int = setting(
        16,
        "AURO_INLINE_COMPLETION_RECENT_REGIONS",
        "Recently edited regions of open buffers remembered as completion context, within "
        "the context budget (0 = none)",
        ge=0,
        le=64,
    )
    inline_completion_disabled_languages: CsvList = setting(
        [],
        "AURO_INLINE_COMPLETION_DISABLED_LANGUAGES",
        "Languages (LSP language ids, e.g. markdown,plaintext) without inline completion",
        workspace=True,
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
        "auto",
        "AURO_EMBEDDING_BACKEND",
        "Embedding runtime: auto (ONNX int8), torch, onnx (fp32) or onnx-int8",
    )
    chunk_size: int = setting(
        256, "CHUNK_SIZE", "Chunk budget in embedding-model tokens, header included", workspace=True
    )
    max_file_bytes: int = setting(
        1_000_000, "AURO_MAX_FILE_BYTES", "Files larger than this are not indexed", workspace=True
    )
    ignore_globs: CsvList = setting(
        [],
        "AURO_IGNORE_GLOBS",
        "Extra gitignore-style patterns to skip, comma-separated",
        workspace=True,
    )
    index_allow_dirs: CsvList = setting(
        [],
        "AURO_INDEX_ALLOW_DIRS",
        "Folders outside the workspace roots that POST /api/v1/rag/index may index",
    )
    index_debounce_ms: int = setting(
        300,
        "AURO_INDEX_DEBOUNCE_MS",
        "File events are coalesced over this many milliseconds",
        workspace=True,
    )
    watch_files: bool = setting(
        True,
        "AURO_WATCH_FILES",
        "Watch the workspace with watchdog and reindex on change",
        workspace=True,
    )
    search_dense_weight: float = setting(
        1.0,
        "AURO_SEARCH_DENSE_WEIGHT",
        "Weight of the embedding ranking in rank fusion",
        ge=0,
        workspace=True,
    )
    search_keyword_weight: float = setting(
        0.5,
        "AURO_SEARCH_KEYWORD_WEIGHT",
        "Weight of the keyword ranking in rank fusion",
        ge=0,
        workspace=True,
    )
    search_rerank: bool = setting(
        True,
        "AURO_SEARCH_RERANK",
        "Rerank fused search results with the fitted linear model",
        workspace=True,
    )
    search_place_priors: str = setting(
        "default",
        "AURO_SEARCH_PLACE_PRIORS",
        "Score factors of tests, examples, benchmarks, docs, vendored, old-version and"
        " generated files in reranked search: default, off, or role=factor pairs"
        " (test=0.3,docs=1)",
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
        f"HTTP sidecar port; 0 = any free port; unset = {SERVE_PORT} for serve, "
        "a free port for lsp",
    )
    http_token: str = setting(
        "",
        "AURO_HTTP_TOKEN",
        "Bearer token for the HTTP API; empty = a random token per workspace, kept in its data dir",
        secret=True,
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
    chat_max_images: int = setting(
        4, "AURO_CHAT_MAX_IMAGES", "Most images one chat question may carry", ge=0, le=16
    )
    chat_max_image_bytes: int = setting(
        5_000_000, "AURO_CHAT_MAX_IMAGE_BYTES", "Largest image a chat question may carry", gt=0
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
    mcp_http: bool = setting(
        True, "AURO_MCP_HTTP", "Serve MCP (streamable HTTP) at /mcp on the HTTP sidecar"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = setting(
        "INFO", "LOG_LEVEL", "Log level", workspace=True
    )

    @field_validator(
        "llm_providers",
        "ignore_globs",
        "fetch_allow_hosts",
        "index_allow_dirs",
        "inline_completion_disabled_languages",
        mode="before",
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

    @field_validator("search_place_priors")
    @classmethod
    def _path_priors(cls, value: str) -> str:
        parse_factors(value)  # a clear error at load time, not on the first search
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("data_dir", "http_port", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        return None if value == "" else value


def _marked(flag: str) -> frozenset[str]:
    return frozenset(
        name
        for name, field in Settings.model_fields.items()
        if isinstance(field.json_schema_extra, dict) and field.json_schema_extra.get(flag)
    )


WORKSPACE_SAFE = _marked("workspace")
"""Keys a workspace-level source (`workspace/configuration`) may change."""
SENSITIVE = frozenset(Settings.model_fields) - WORKSPACE_SAFE
"""Keys only user-level sources may set: environment, user files, initializationOptions."""
SECRETS = _marked("secret")
"""Keys whose values are masked wherever settings are shown."""


def env_name(field: str) -> str:
    return str(Settings.model_fields[field].validation_alias)
