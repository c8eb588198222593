"""The README stays true: every setting is documented, the commands it names exist."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from pathways.cli import main
from pathways.settings import Settings
from pathways.settings_doc import env_name

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_every_setting_is_in_the_readme_table():
    missing = [env_name(n) for n in Settings.model_fields if f"`{env_name(n)}`" not in README]
    assert not missing, f"document these in README.md (pathways settings --markdown): {missing}"


def test_readme_commands_exist():
    assert "bash scripts/run.sh" in README and "bash scripts/test.sh" in README
    for script in ("scripts/run.sh", "scripts/test.sh", "scripts/setup.sh"):
        assert (ROOT / script).is_file()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "scripts/test.sh" in ci


def test_readme_cli_commands_are_real():
    names = set(main.commands)  # type: ignore[attr-defined]
    for command in ("ingest", "search", "ask", "orgs", "eval", "serve", "settings"):
        assert f"pathways {command}" in README
        assert command in names


def test_settings_markdown_lists_defaults():
    result = CliRunner().invoke(main, ["settings", "--markdown"])
    assert result.exit_code == 0
    assert "| `PATHWAYS_HOME` | `data` |" in result.output
