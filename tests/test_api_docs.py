"""docs/settings.md documents every setting with its default, in the sections of
pathways/settings.py (`pathways settings --markdown` prints the same tables)."""

from __future__ import annotations

from pathlib import Path

from pathways.settings import Settings
from pathways.settings_doc import default_text, section_table, sections

DOC = Path(__file__).resolve().parents[1] / "docs" / "settings.md"


def test_every_setting_is_documented_with_its_default():
    text = DOC.read_text()
    missing = []
    for name, field in Settings.model_fields.items():
        row = f"| `PATHWAYS_{name.upper()}` | {default_text(name)} |"
        if row not in text:
            missing.append(f"{row} {field.description} |")
    assert not missing, "add or fix these rows in docs/settings.md:\n" + "\n".join(missing)


def test_each_section_of_the_settings_is_a_section_of_the_docs():
    text = DOC.read_text()
    for title, names in sections():
        assert f"\n## {title}\n" in text, title
        assert section_table(names) in text, f"regenerate the table of {title!r}"
    assert "## Limits" in text and "`PATHWAYS_MAX_K`" in text
