"""The settings as a Markdown table (README) and as a listing of the values in effect."""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from pathways.settings import SECTIONS, Settings


def env_name(field: str) -> str:
    return f"PATHWAYS_{field.upper()}"


def shown(value: Any) -> str:
    if isinstance(value, SecretStr):
        return "(set)"
    if value is None or value == []:
        return "unset"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def default_text(name: str) -> str:
    """A setting's default as docs/settings.md shows it."""
    value = Settings.model_fields[name].get_default(call_default_factory=True)
    if value is None:
        return "unset"
    if value == []:
        return "empty"
    if isinstance(value, bool):
        return str(value).lower()
    return f"`{value}`"


def sections() -> list[tuple[str, list[str]]]:
    """(title, field names) for each section of the settings, in order."""
    out: list[tuple[str, list[str]]] = []
    for name in Settings.model_fields:
        if name in SECTIONS:
            out.append((SECTIONS[name], []))
        out[-1][1].append(name)
    return out


def section_table(names: list[str]) -> str:
    """One row per setting: variable, default, what it does."""
    rows = ["| variable | default | what it does |", "| --- | --- | --- |"]
    for name in names:
        description = (Settings.model_fields[name].description or "").replace("|", "\\|")
        rows.append(f"| `{env_name(name)}` | {default_text(name)} | {description} |")
    return "\n".join(rows)


def settings_table() -> str:
    """Every section's table under its title (the tables of docs/settings.md)."""
    return "\n\n".join(f"## {title}\n\n{section_table(names)}" for title, names in sections())


def current_values(settings: Settings) -> list[tuple[str, str]]:
    return [(env_name(name), shown(getattr(settings, name))) for name in Settings.model_fields]
