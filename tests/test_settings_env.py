"""The test suite reads its settings from the tests alone."""

from __future__ import annotations

from pathlib import Path

import pytest


def test_the_tests_ignore_a_developers_env_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pathways.settings import Settings

    (tmp_path / ".env").write_text("PATHWAYS_DEFAULT_K=42\n")
    monkeypatch.chdir(tmp_path)
    assert Settings().default_k != 42
