"""`pathways --server URL` (or PATHWAYS_URL): search and ask as clients of a running server."""

from __future__ import annotations

import json

from api_support import free_port, serve_app, with_settings
from click.testing import CliRunner

from api.app import create_app
from index.embedder import Embedder
from pathways.cli import main
from pathways.settings import Settings


def test_search_and_ask_through_a_running_server(tiny_settings: Settings, embedder: Embedder):
    settings = with_settings(tiny_settings, rate_limit="1000/minute")
    with serve_app(create_app(settings, embedder=embedder)) as url:
        runner = CliRunner()
        found = runner.invoke(
            main, ["search", "Lancaster ISD STEM", "--k", "2", "--json"], env={"PATHWAYS_URL": url}
        )
        assert found.exit_code == 0, found.output
        rows = json.loads(found.stdout)["results"]
        assert [r["rank"] for r in rows] == [1, 2] and "Lancaster" in rows[0]["text"]
        printed = runner.invoke(main, ["--server", url, "search", "Lancaster ISD STEM"])
        assert "1. [" in printed.output and "National Exemplars" in printed.output
        answered = runner.invoke(
            main, ["--server", url, "ask", "What is the Lancaster ISD STEM academy?"]
        )
        assert answered.exit_code == 0, answered.output
        assert "Sources:" in answered.output and "[1]" in answered.output


def test_an_unreachable_server_is_a_clear_error():
    url = f"http://127.0.0.1:{free_port()}"
    result = CliRunner().invoke(main, ["--server", url, "search", "dual enrollment"])
    assert result.exit_code == 1
    assert f"Cannot reach the server at {url}" in result.output
    assert "Traceback" not in result.output
