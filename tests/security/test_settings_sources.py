"""End to end: settings files come only from the user's config directory and an explicit
`--env-file` / `AURO_ENV_FILE`; `auro-pai config` says where each value came from."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.security.hostile import USER_KEY, user_env
from tests.support.lsp_harness import lsp_session

CLI = [sys.executable, "-m", "server.cli"]


def run(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def env_file(tmp_path: Path) -> Path:
    path = tmp_path / "team.env"
    path.write_text(
        "OPENAI_MODEL=from-env-file\nAURO_HTTP_TOKEN=tok-0123456789abcdef\n"
        "AURO_IGNORE_GLOBS=build/*,dist/*\n"
    )
    return path


@pytest.mark.parametrize("where", ["before", "after", "variable"])
def test_explicit_env_file_is_read_and_named(tmp_path: Path, env_file: Path, where: str):
    env = user_env(tmp_path)
    args = {
        "before": ["--env-file", str(env_file), "config"],
        "after": ["config", "--env-file", str(env_file)],
        "variable": ["config"],
    }[where]
    if where == "variable":
        env["AURO_ENV_FILE"] = str(env_file)
    proc = run(*args, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    source = f"# from env file {env_file.resolve() if where != 'variable' else env_file}\n"
    assert f"{source}OPENAI_MODEL=from-env-file\n" in proc.stdout
    assert f"{source}AURO_IGNORE_GLOBS=build/*,dist/*\n" in proc.stdout
    assert f"{source}AURO_HTTP_TOKEN=********\n" in proc.stdout
    assert "tok-0123456789abcdef" not in proc.stdout + proc.stderr


def test_missing_env_file_is_a_clear_error(tmp_path: Path):
    proc = run(
        "--env-file", str(tmp_path / "nope.env"), "config", env=user_env(tmp_path), cwd=tmp_path
    )
    assert proc.returncode == 2
    assert "nope.env: no such file" in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_missing_env_file_variable_is_reported_and_the_rest_still_works(tmp_path: Path):
    env = user_env(tmp_path, AURO_ENV_FILE=str(tmp_path / "gone.env"))
    proc = run("config", env=env, cwd=tmp_path)
    assert proc.returncode == 0
    assert "AURO_ENV_FILE" in proc.stderr and "no such file" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_user_config_directory_files(tmp_path: Path):
    env = user_env(tmp_path)
    config_dir = Path(env["XDG_CONFIG_HOME"]) / "auro-pai"
    config_dir.mkdir(parents=True)
    (config_dir / "settings.toml").write_text('openai_model = "toml-model"\nchunkSize = 300\n')
    (config_dir / ".env").write_text("CHUNK_SIZE=400\nGEMINI_MODEL=env-model\n")
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    (workdir / ".env").write_text("GEMINI_MODEL=from-cwd\n")  # never read
    proc = run("config", env=env, cwd=workdir)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert f"# user config directory: {config_dir}\n" in out
    assert f"# from user file {config_dir / 'settings.toml'}\nOPENAI_MODEL=toml-model\n" in out
    assert f"# from user file {config_dir / '.env'}\nCHUNK_SIZE=400\n" in out
    assert f"# from user file {config_dir / '.env'}\nGEMINI_MODEL=env-model\n" in out
    assert "# from environment\nOPENAI_API_KEY=********\n" in out and USER_KEY not in out
    assert "from-cwd" not in out


def test_config_example_is_the_checked_in_template(tmp_path: Path):
    proc = run("config", "--example", env=user_env(tmp_path), cwd=tmp_path)
    assert proc.returncode == 0
    template = (Path(__file__).parents[2] / ".env.example").read_text()
    assert proc.stdout == template
    assert "never read" in template


async def test_lsp_reads_the_user_file_and_the_env_file(tmp_path: Path, env_file: Path):
    env = user_env(tmp_path, AURO_ENV_FILE=str(env_file))
    config_dir = Path(env["XDG_CONFIG_HOME"]) / "auro-pai"
    config_dir.mkdir(parents=True)
    (config_dir / ".env").write_text("AURO_HTTP_TOKEN=tok-user-file-should-lose\n")
    root = tmp_path / "repo"
    root.mkdir()
    (root / ".env").write_text("AURO_HTTP_TOKEN=tok-from-the-repository\n")
    async with lsp_session(env, [root], cwd=root) as (client, recorder):
        status = await recorder.next("auro/status", 1)
        assert status.http.token == "tok-0123456789abcdef"  # env file over user file
        assert not [m for m in client.messages if "AURO" in m.message]
