"""docs/settings.md documents every setting with its default."""

from __future__ import annotations

from pathlib import Path

from pathways.settings import Settings

DOC = Path(__file__).resolve().parents[1] / "docs" / "settings.md"


def default_text(name: str) -> str:
    field = Settings.model_fields[name]
    value = field.default_factory() if field.default_factory else field.default  # type: ignore[call-arg]
    if value is None:
        return "unset"
    if value == []:
        return "empty"
    if isinstance(value, bool):
        return str(value).lower()
    return f"`{value}`"


def test_every_setting_is_documented_with_its_default():
    text = DOC.read_text()
    missing = []
    for name, field in Settings.model_fields.items():
        row = f"| `PATHWAYS_{name.upper()}` | {default_text(name)} |"
        if row not in text:
            missing.append(f"{row} {field.description} |")
    assert not missing, "add or fix these rows in docs/settings.md:\n" + "\n".join(missing)
