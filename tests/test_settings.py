"""Settings precedence: defaults < user files < environment < initializationOptions < client."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from server.config import (
    Settings,
    load_settings,
    refused_warning,
    resolve_settings,
    workspace_layer,
)
from server.settings_model import SECRETS, SENSITIVE, WORKSPACE_SAFE
from server.settings_view import config_listing, env_example


def test_defaults_when_nothing_is_set(tmp_path):
    settings, warnings = load_settings(env={}, files=[])
    assert settings.chunk_size == 256
    assert settings.http_host == "127.0.0.1"
    assert settings.http_port is None
    assert warnings == []


def test_each_layer_overrides_the_one_below(tmp_path):
    dotenv = tmp_path / "auro.env"
    dotenv.write_text("CHUNK_SIZE=100\nMAX_SESSIONS=7\nLOG_LEVEL=warning\nSESSION_TIMEOUT=5\n")
    env = {"CHUNK_SIZE": "200", "MAX_SESSIONS": "8", "LOG_LEVEL": "error"}
    settings, warnings = load_settings(
        ("initializationOptions", {"chunkSize": 300, "max_sessions": 9}),
        ("workspace/configuration", {"chunkSize": 400}),
        env=env,
        files=[dotenv],
    )
    assert warnings == []
    assert settings.chunk_size == 400  # client configuration wins
    assert settings.max_sessions == 9  # initializationOptions over environment
    assert settings.log_level == "ERROR"  # environment over files
    assert settings.session_timeout == 5  # files over defaults


def test_every_spelling_of_a_key_is_accepted(tmp_path):
    for key in ("AURO_MAX_FILE_BYTES", "max_file_bytes", "maxFileBytes"):
        settings, _ = load_settings(("opts", {key: 42}), env={}, files=[])
        assert settings.max_file_bytes == 42


def test_invalid_value_warns_and_keeps_lower_layer(tmp_path):
    settings, warnings = load_settings(
        ("initializationOptions", {"chunkSize": "big"}),
        env={"CHUNK_SIZE": "128"},
        files=[],
    )
    assert settings.chunk_size == 128
    [warning] = warnings
    assert warning.key.startswith("CHUNK_SIZE") and warning.kept == 128
    assert "'big'" in warning.message()


def test_invalid_value_on_reload_keeps_the_value_in_force(tmp_path):
    current, _ = load_settings(("client", {"chunkSize": 300}), env={}, files=[])
    reloaded, warnings = load_settings(
        ("client", {"chunkSize": "oops"}), env={}, files=[], fallback=current
    )
    assert reloaded.chunk_size == 300
    assert warnings[0].kept == 300


def test_invalid_environment_never_raises(tmp_path):
    settings, warnings = load_settings(
        env={"AURO_HTTP_PORT": "http", "LOG_LEVEL": "LOUD", "WEB_SEARCH_ENABLED": "maybe"},
        files=[],
    )
    assert settings.http_port is None and settings.log_level == "INFO"
    assert settings.web_search_enabled is True
    assert {w.key.split()[0] for w in warnings} == {
        "AURO_HTTP_PORT",
        "LOG_LEVEL",
        "WEB_SEARCH_ENABLED",
    }


def test_comma_separated_lists(tmp_path):
    settings, _ = load_settings(
        env={"AURO_LLM_PROVIDERS": "openai, gemini", "AURO_FETCH_ALLOW_HOSTS": ""},
        files=[],
    )
    assert settings.llm_providers == ["openai", "gemini"]
    assert settings.fetch_allow_hosts == []


def test_env_example_lists_every_setting_and_is_current():
    text = (Path(__file__).parents[1] / ".env.example").read_text()
    assert text == env_example()
    for field in Settings.model_fields.values():
        assert f"\n{field.validation_alias}=" in text


# --- trust: which sources may set what ------------------------------------------------------

SENSITIVE_WORDS = {
    "url",
    "key",
    "token",
    "host",
    "hosts",
    "port",
    "path",
    "dir",
    "dirs",
    "model",
    "origins",
    "providers",
    "auth",
    "engine",
    "chromadb",
    "http",
}


def test_every_endpoint_key_host_port_and_path_field_is_user_only():
    for name, field in Settings.model_fields.items():
        is_path = "Path" in str(field.annotation)
        if SENSITIVE_WORDS & set(name.split("_")) or is_path:
            assert name in SENSITIVE, f"{name} must be user-only (not workspace=True)"
    named_in_issue = {
        "llamacpp_server_url",
        "openai_base_url",
        "gemini_base_url",
        "openai_api_key",
        "gemini_api_key",
        "embedding_model",
        "llm_providers",
        "fetch_allow_hosts",
        "http_host",
        "http_port",
        "http_token",
        "http_auth",
        "http_allowed_hosts",
        "http_cors_origins",
        "index_allow_dirs",
        "data_dir",
        "chromadb_host",
        "chromadb_port",
    }
    assert named_in_issue <= SENSITIVE
    # widening the workspace-safe set is a deliberate decision: this list changes with it
    assert WORKSPACE_SAFE == {
        "chunk_size",
        "max_file_bytes",
        "ignore_globs",
        "index_debounce_ms",
        "watch_files",
        "search_dense_weight",
        "search_keyword_weight",
        "search_rerank",
        "log_level",
        # they can only make inline completion smaller or switch it off for a language
        "inline_completion_max_lines",
        "inline_completion_disabled_languages",
    }
    assert SENSITIVE | WORKSPACE_SAFE == set(Settings.model_fields)


def test_every_key_and_token_is_masked():
    for name in Settings.model_fields:
        if re.search(r"api_key|token$|secret|password", name):
            assert name in SECRETS, name
    assert {"openai_api_key", "gemini_api_key", "http_token"} <= SECRETS


def test_workspace_layer_refuses_sensitive_keys_and_keeps_safe_ones():
    trusted, _ = load_settings(env={"OPENAI_BASE_URL": "https://api.example/v1"}, files=[])
    safe, refused = workspace_layer(
        {
            "openaiBaseUrl": "http://127.0.0.1:9/v1",
            "AURO_HTTP_AUTH": False,
            "httpCorsOrigins": ["*"],
            "chunkSize": 300,
            "ignoreGlobs": ["*.log"],
            "notASetting": 1,
        },
        trusted,
    )
    assert refused == ["AURO_HTTP_AUTH", "AURO_HTTP_CORS_ORIGINS", "OPENAI_BASE_URL"]
    assert safe == {"chunkSize": 300, "ignoreGlobs": ["*.log"], "notASetting": 1}


def test_workspace_layer_is_quiet_when_it_repeats_the_user_value():
    trusted, _ = load_settings(("initializationOptions", {"openaiModel": "m1"}), env={}, files=[])
    safe, refused = workspace_layer({"openaiModel": "m1", "OPENAI_BASE_URL": None}, trusted)
    assert safe == {} and refused == []  # the same value, and null meaning "not set here"


def test_refusal_message_names_every_key():
    message = refused_warning(["AURO_HTTP_AUTH", "OPENAI_BASE_URL"], "workspace/configuration")
    text = message.message()
    assert "AURO_HTTP_AUTH, OPENAI_BASE_URL" in text and "workspace/configuration" in text


def test_invalid_secret_is_never_echoed():
    _, warnings = load_settings(
        ("initializationOptions", {"AURO_HTTP_TOKEN": ["sk-not-a-string-1234"]}), env={}, files=[]
    )
    [warning] = warnings
    assert "sk-not-a-string" not in warning.message() and "***" in warning.message()


# --- files: only the user's own ----------------------------------------------------------


@pytest.fixture
def user_config(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    (home / "auro-pai").mkdir(parents=True)
    return home / "auro-pai"


def test_working_directory_env_is_never_read(tmp_path, monkeypatch, user_config):
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".env").write_text("OPENAI_BASE_URL=http://127.0.0.1:9/v1\nAURO_HTTP_AUTH=false\n")
    monkeypatch.chdir(repo)
    resolved = resolve_settings(env={})
    assert resolved.settings.openai_base_url == "https://api.openai.com/v1"
    assert resolved.settings.http_auth is True
    assert resolved.origins == {} and resolved.warnings == []


def test_user_files_then_env_file_then_environment(tmp_path, user_config):
    (user_config / "settings.toml").write_text(
        'CHUNK_SIZE = 100\nopenai_model = "from-toml"\nignore_globs = ["*.log", "*.tmp"]\n'
        "max_sessions = 3\n"
    )
    (user_config / ".env").write_text("CHUNK_SIZE=200\nOPENAI_API_KEY=sk-user\n")
    explicit = tmp_path / "work.env"
    explicit.write_text("CHUNK_SIZE=300\nLOG_LEVEL=debug\n")
    env = {"AURO_ENV_FILE": str(explicit), "LOG_LEVEL": "error"}
    resolved = resolve_settings(env=env)
    assert resolved.warnings == []
    settings = resolved.settings
    assert settings.openai_model == "from-toml" and settings.ignore_globs == ["*.log", "*.tmp"]
    assert settings.openai_api_key == "sk-user"
    assert settings.chunk_size == 300 and settings.log_level == "ERROR"
    assert resolved.origin("openai_model") == f"user file {user_config / 'settings.toml'}"
    assert resolved.origin("openai_api_key") == f"user file {user_config / '.env'}"
    assert resolved.origin("chunk_size") == f"env file {explicit}"
    assert resolved.origin("log_level") == "environment"
    assert resolved.origin("max_sessions").endswith("settings.toml")
    assert resolved.origin("gemini_model") == "default"


def test_toml_may_wrap_settings_in_an_auro_table(user_config):
    (user_config / "settings.toml").write_text('[auro]\nopenaiModel = "wrapped"\n')
    assert resolve_settings(env={}).settings.openai_model == "wrapped"


def test_missing_env_file_and_broken_toml_are_reported(tmp_path, user_config):
    (user_config / "settings.toml").write_text("CHUNK_SIZE = = 3\n")
    resolved = resolve_settings(env={"AURO_ENV_FILE": str(tmp_path / "gone.env")})
    messages = [w.message() for w in resolved.warnings]
    assert any("gone.env: no such file" in m for m in messages), messages
    assert any("cannot read user file" in m and "settings.toml" in m for m in messages)
    assert resolved.settings.chunk_size == 256


def test_relative_env_file_variable_is_refused(tmp_path, monkeypatch, user_config):
    (tmp_path / ".env").write_text("OPENAI_BASE_URL=http://127.0.0.1:9/v1\n")
    monkeypatch.chdir(tmp_path)
    resolved = resolve_settings(env={"AURO_ENV_FILE": ".env"})
    assert resolved.settings.openai_base_url == "https://api.openai.com/v1"
    [warning] = resolved.warnings
    assert "not an absolute path" in warning.message()


# --- showing settings ----------------------------------------------------------------------


def test_config_listing_is_env_syntax_with_sources_and_masks(tmp_path):
    env_file = tmp_path / "mine.env"
    env_file.write_text("AURO_HTTP_TOKEN=tok-very-secret\nAURO_IGNORE_GLOBS=a b,#c\n")
    resolved = resolve_settings(
        ("initializationOptions", {"webSearchEnabled": False}),
        env={"OPENAI_API_KEY": "sk-live-abcdef", "AURO_LLM_PROVIDERS": "openai,gemini"},
        files=[env_file],
    )
    text = config_listing(resolved)
    assert "sk-live-abcdef" not in text and "tok-very-secret" not in text
    assert "OPENAI_API_KEY=********" in text and "AURO_HTTP_TOKEN=********" in text
    assert "GEMINI_API_KEY=\n" in text  # unset secrets stay visibly empty
    assert "# from environment\nAURO_LLM_PROVIDERS=openai,gemini\n" in text
    assert "# from initializationOptions\nWEB_SEARCH_ENABLED=false\n" in text
    assert f"# from env file {env_file}\nAURO_HTTP_TOKEN=" in text
    assert "# from default\nAURO_DATA_DIR=\n" in text
    for python_repr in ("=[]", "=None", "=True", "=False"):
        assert python_repr not in text
    # the listing reads back as the same settings
    listed = tmp_path / "listed.env"
    listed.write_text(text)
    reread, warnings = load_settings(env={}, files=[listed])
    assert not warnings
    expected = resolved.settings.model_dump(exclude=SECRETS)
    assert reread.model_dump(exclude=SECRETS) == expected
