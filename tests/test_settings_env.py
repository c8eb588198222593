"""The test suite reads its settings from the tests alone, never from a developer's .env."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROBE = "TESTS_ENV_PROBE"  # set only for the inner run below (conftest clears PATHWAYS_*)


def test_the_tests_ignore_a_developers_env_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pathways.settings import Settings

    (tmp_path / ".env").write_text("PATHWAYS_DEFAULT_K=42\n")
    monkeypatch.chdir(tmp_path)
    assert Settings().default_k != 42


@pytest.mark.skipif(not os.environ.get(PROBE), reason="the inner run of the test below")
def test_probe_settings_here_and_in_a_started_process() -> None:
    from pathways.settings import Settings

    assert Settings().default_k != 42
    code = "from pathways.settings import Settings; print(Settings().default_k)"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() != "42"


def test_a_env_file_where_pytest_starts_reaches_no_test_nor_its_processes(tmp_path: Path) -> None:
    """pytest started in a folder holding a .env (a developer's checkout): the probe above sees
    the defaults, in its own process and in a `python` process it starts as the CLI tests do."""
    (tmp_path / ".env").write_text("PATHWAYS_DEFAULT_K=42\n")
    env = {**os.environ, PROBE: "1", "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    probe = f"{Path(__file__).resolve()}::test_probe_settings_here_and_in_a_started_process"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", probe],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0 and "1 passed" in done.stdout, done.stdout[-3000:]
