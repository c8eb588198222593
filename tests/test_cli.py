"""The `pathways` command: JSON shapes, human output, and clean errors."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from pathways.cli import main
from pathways.settings import Settings


def run(*args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def test_search_json_shape(tiny_settings: Settings):
    result = run(
        "--home", str(tiny_settings.home), "search",
        "Which consortia did JFF visit for multiday site visits in spring 2016?",
        "--k", "3", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["query"].startswith("Which consortia")
    assert [r["rank"] for r in data["results"]] == [1, 2, 3]
    keys = {"rank", "doc_id", "title", "section", "page", "start", "end", "text", "score"}
    assert all(set(r) == keys for r in data["results"])
    assert any("Tulare-Kings" in r["text"] for r in data["results"])


def test_search_prints_title_section_and_excerpt(tiny_settings: Settings):
    result = run("--home", str(tiny_settings.home), "search", "Lancaster ISD STEM", "--k", "2")
    assert result.exit_code == 0
    assert "1. [" in result.output and "National Exemplars" in result.output


def test_search_without_an_index_says_to_ingest(tmp_path: Path):
    result = run("--home", str(tmp_path / "empty"), "search", "dual enrollment")
    assert result.exit_code == 1
    assert "pathways ingest" in result.output and "Traceback" not in result.output


def test_empty_query_is_an_error(tiny_settings: Settings):
    result = run("--home", str(tiny_settings.home), "search", "  ")
    assert result.exit_code == 1 and "empty" in result.output.lower()


def test_k_over_the_settings_ceiling_is_an_error(tmp_path: Path):
    home = str(tmp_path / "empty")  # the limits are checked before the index is opened
    result = run(
        "--home", home, "search", "dual enrollment", "--k", "7", env={"PATHWAYS_MAX_K": "6"}
    )
    assert result.exit_code == 1 and "between 1 and 6, not 7" in result.output
    result = run("--home", home, "ask", "What is dual enrollment?", "--k", "51")
    assert result.exit_code == 1 and "between 1 and 50, not 51" in result.output


def test_ingest_reports_failures_and_exits_nonzero(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "notes.md").write_text("# Notes\n\nMentors met students weekly at the fair.\n")
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4\ngarbage")
    result = run("--home", str(tmp_path / "home"), "ingest", str(corpus))
    assert result.exit_code == 1
    assert "broken.pdf" in result.output and "failed" in result.output
    assert "1 documents" in result.output
    assert "Traceback" not in result.output


def test_ingest_unknown_explicit_file_fails(tmp_path: Path):
    path = tmp_path / "data.xyz"
    path.write_text("hello")
    result = run("--home", str(tmp_path / "home"), "ingest", str(path))
    assert result.exit_code == 1 and "supported" in result.output.lower()


def test_bad_setting_is_reported(tmp_path: Path):
    result = run("search", "x", env={"PATHWAYS_CHUNK_TOKENS": "zero"})
    assert result.exit_code == 1 and "PATHWAYS_CHUNK_TOKENS" in result.output


def test_long_excerpt_shows_its_best_paragraph_first():
    from pathways.cli_output import best_paragraph

    text = "Intro paragraph about funding. " * 20 + "\n\nSite visits happened in spring 2016."
    assert best_paragraph("when were the site visits?", text).startswith("… Site visits")
    assert best_paragraph("anything", "short text") == "short text"
