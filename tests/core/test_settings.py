"""Settings precedence: defaults < .env < environment < initializationOptions < client config."""

from __future__ import annotations

from pathlib import Path

from server.config import Settings, env_example, load_settings


def test_defaults_when_nothing_is_set(tmp_path):
    settings, warnings = load_settings(env={}, dotenv_path=tmp_path / "missing.env")
    assert settings.chunk_size == 256
    assert settings.http_host == "127.0.0.1"
    assert settings.http_port is None
    assert warnings == []


def test_each_layer_overrides_the_one_below(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("CHUNK_SIZE=100\nMAX_SESSIONS=7\nLOG_LEVEL=warning\nSESSION_TIMEOUT=5\n")
    env = {"CHUNK_SIZE": "200", "MAX_SESSIONS": "8", "LOG_LEVEL": "error"}
    settings, warnings = load_settings(
        ("initializationOptions", {"chunkSize": 300, "max_sessions": 9}),
        ("workspace/configuration", {"chunkSize": 400}),
        env=env,
        dotenv_path=dotenv,
    )
    assert warnings == []
    assert settings.chunk_size == 400  # client configuration wins
    assert settings.max_sessions == 9  # initializationOptions over environment
    assert settings.log_level == "ERROR"  # environment over .env
    assert settings.session_timeout == 5  # .env over defaults


def test_every_spelling_of_a_key_is_accepted(tmp_path):
    for key in ("AURO_MAX_FILE_BYTES", "max_file_bytes", "maxFileBytes"):
        settings, _ = load_settings(("opts", {key: 42}), env={}, dotenv_path=tmp_path / "x")
        assert settings.max_file_bytes == 42


def test_invalid_value_warns_and_keeps_lower_layer(tmp_path):
    settings, warnings = load_settings(
        ("initializationOptions", {"chunkSize": "big"}),
        env={"CHUNK_SIZE": "128"},
        dotenv_path=tmp_path / "x",
    )
    assert settings.chunk_size == 128
    [warning] = warnings
    assert warning.key.startswith("CHUNK_SIZE") and warning.kept == 128
    assert "'big'" in warning.message()


def test_invalid_value_on_reload_keeps_the_value_in_force(tmp_path):
    current, _ = load_settings(("client", {"chunkSize": 300}), env={}, dotenv_path=tmp_path / "x")
    reloaded, warnings = load_settings(
        ("client", {"chunkSize": "oops"}), env={}, dotenv_path=tmp_path / "x", fallback=current
    )
    assert reloaded.chunk_size == 300
    assert warnings[0].kept == 300


def test_invalid_environment_never_raises(tmp_path):
    settings, warnings = load_settings(
        env={"AURO_HTTP_PORT": "http", "LOG_LEVEL": "LOUD", "WEB_SEARCH_ENABLED": "maybe"},
        dotenv_path=tmp_path / "x",
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
        dotenv_path=tmp_path / "x",
    )
    assert settings.llm_providers == ["openai", "gemini"]
    assert settings.fetch_allow_hosts == []


def test_env_example_lists_every_setting_and_is_current():
    text = (Path(__file__).parents[2] / ".env.example").read_text()
    assert text == env_example()
    for field in Settings.model_fields.values():
        assert f"\n{field.validation_alias}=" in text
