from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    number: int | None  # 1-based page number for paginated sources (PDF); None for flowing text
    text: str
