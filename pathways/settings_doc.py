"""The settings as a Markdown table (README) and as a listing of the values in effect."""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from pathways.settings import Settings


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


def settings_table() -> str:
    """One row per setting: variable, default, meaning."""
    rows = ["| variable | default | meaning |", "| --- | --- | --- |"]
    for name, field in Settings.model_fields.items():
        default = shown(field.get_default(call_default_factory=True))
        description = (field.description or "").replace("|", "\\|")
        rows.append(f"| `{env_name(name)}` | `{default}` | {description} |")
    return "\n".join(rows)


def current_values(settings: Settings) -> list[tuple[str, str]]:
    return [(env_name(name), shown(getattr(settings, name))) for name in Settings.model_fields]
