"""The `pathways` command. Domain errors become a message and a non-zero exit here, only."""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from pathways.cli_output import print_excerpts, print_ingest_report, print_organizations
from pathways.errors import PathwaysError

if TYPE_CHECKING:  # imported when a command runs, so that `pathways --help` is instant
    from pathways.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])
K_HELP = "How many excerpts (at most PATHWAYS_MAX_K)."
NOISY_LOGGERS = ("chromadb", "httpx", "sentence_transformers", "transformers", "urllib3", "pypdf")


def configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO if verbose else logging.ERROR)
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


def load_settings(**overrides: Any) -> Settings:
    from pydantic import ValidationError

    from pathways.settings import Settings

    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as e:
        problems = "; ".join(
            f"PATHWAYS_{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}"
            for err in e.errors()
        )
        raise click.ClickException(f"Invalid settings: {problems}") from e


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn domain errors into a one-line message and exit status 1."""
    try:
        yield
    except PathwaysError as e:
        raise click.ClickException(str(e)) from e


def make_embedder(settings: Settings) -> Any:
    from index.embedder import Embedder

    return Embedder.from_settings(settings)


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log debug output.")
@click.option("--home", type=click.Path(path_type=Path), help="Data directory (env PATHWAYS_HOME).")
@click.option(
    "--server",
    envvar="PATHWAYS_URL",
    help="Send search and ask to this running server (env PATHWAYS_URL), e.g. "
    "http://127.0.0.1:8000, instead of loading the index here.",
)
@click.option(
    "--api-key", envvar="PATHWAYS_API_KEY", help="Read key for --server, if it needs one."
)
@click.pass_context
def main(
    ctx: click.Context, verbose: bool, home: Path | None, server: str | None, api_key: str | None
) -> None:
    """Pathways KB: cited search and answers over career-pathway reports."""
    configure_logging(verbose)
    ctx.obj = {"home": home, "server": server or None, "api_key": api_key or None}


def settings_from(ctx: click.Context) -> Settings:
    return load_settings(home=ctx.obj.get("home"))


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--keep-missing", is_flag=True, help="Keep documents whose file has gone.")
@click.pass_context
def ingest(ctx: click.Context, paths: tuple[Path, ...], as_json: bool, keep_missing: bool) -> None:
    """Index files or folders (default: the corpus folder). Unchanged files are skipped."""
    from ingest.pipeline import Ingestor

    settings = settings_from(ctx)
    if keep_missing:
        settings = settings.model_copy(update={"prune_missing": False})
    targets = list(paths) or [settings.corpus_dir]
    signal.signal(signal.SIGTERM, _raise_interrupt)
    with user_errors():
        ingestor = Ingestor(settings, make_embedder(settings), progress=not as_json)
        try:
            report = ingestor.ingest(targets)
        except KeyboardInterrupt:
            click.echo(
                "Interrupted: documents indexed before the interruption are intact; "
                "run `pathways ingest` again to finish.",
                err=True,
            )
            sys.exit(130)
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
    else:
        print_ingest_report(report, ingestor)
    warm_indexes(settings, ingestor.embedder)
    if report.failed:
        sys.exit(1)


def warm_indexes(settings: Settings, embedder: Any) -> None:
    """Derive the search indexes of what was ingested (keyword index, vector copy, acronyms
    and near-duplicates), so the next `pathways search` loads them instead."""
    from index.retrieval import HybridSearcher

    try:
        HybridSearcher(settings, embedder).snapshot()
    except Exception as e:  # the ingest stands; the next search derives them, or reports why
        logging.getLogger(__name__).warning("search indexes not prepared: %s", e)


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def filter_options(fn: F) -> F:
    options = [
        click.option("--doc-type", multiple=True, help="Only this document type (repeatable)."),
        click.option("--year-min", type=int, help="Only documents from this year on."),
        click.option("--year-max", type=int, help="Only documents up to this year."),
        click.option("--region", multiple=True, help="Only this region (repeatable)."),
        click.option("--doc-id", multiple=True, help="Only this document (repeatable)."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def filters_from(opts: dict[str, Any]) -> Any:
    from index.search import Filters

    return Filters(
        doc_type=tuple(opts.get("doc_type") or ()),
        year_min=opts.get("year_min"),
        year_max=opts.get("year_max"),
        region=tuple(opts.get("region") or ()),
        doc_id=tuple(opts.get("doc_id") or ()),
    )


@main.command()
@click.argument("query")
@click.option("--k", "k", type=click.IntRange(min=1), default=None, help=K_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@filter_options
@click.pass_context
def search(ctx: click.Context, query: str, k: int | None, as_json: bool, **opts: Any) -> None:
    """Print the excerpts that best match QUERY, with title, section and page."""
    from index.query import check_k, read_query
    from index.search import excerpts_to_json

    server = ctx.obj.get("server")
    with user_errors():
        if server:
            from pathways import remote

            excerpts = remote.search(server, ctx.obj["api_key"], query, k, filters_from(opts))
        else:
            settings = settings_from(ctx)
            asked = read_query(query, settings)
            k = check_k(k, settings)
            excerpts = make_searcher(settings).search(asked, k, filters_from(opts))
    if as_json:
        rows = [e.__dict__ for e in excerpts] if server else None
        out = {"query": query, "results": rows} if server else excerpts_to_json(query, excerpts)
        click.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    print_excerpts(query, excerpts)


@main.command()
@click.argument("question")
@click.option("--k", "k", type=click.IntRange(min=1), default=None, help="Excerpts to draw on.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@filter_options
@click.pass_context
def ask(ctx: click.Context, question: str, k: int | None, as_json: bool, **opts: Any) -> None:
    """Answer QUESTION from the reports; every sentence carries a verified citation."""
    server = ctx.obj.get("server")
    if server:
        from pathways import remote

        with user_errors():
            body = remote.ask(server, ctx.obj["api_key"], question, k, filters_from(opts))
        text = json.dumps(body, indent=2, ensure_ascii=False) if as_json else None
        click.echo(text or remote.answer_text(body))
        return
    from index.query import check_k, read_query

    settings = settings_from(ctx)
    with user_errors():
        asked = read_query(question, settings)
        answer = make_answerer(settings).answer(asked, check_k(k, settings), filters_from(opts))
    if as_json:
        click.echo(json.dumps(answer.as_dict(), indent=2, ensure_ascii=False))
        return
    click.echo(answer.text)
    if answer.note:
        click.echo(f"\nNote: {answer.note}")


@main.command()
@click.argument("topic")
@click.option("--limit", type=click.IntRange(1, 50), default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@filter_options
@click.pass_context
def orgs(ctx: click.Context, topic: str, limit: int, as_json: bool, **opts: Any) -> None:
    """Organizations relevant to TOPIC, each with its evidence and citations."""
    from index.query import read_query

    settings = settings_from(ctx)
    with user_errors():
        asked = read_query(topic, settings)
        found = make_answerer(settings).organizations(asked, limit, filters_from(opts))
    if as_json:
        click.echo(
            json.dumps({"topic": topic, "organizations": found}, indent=2, ensure_ascii=False)
        )
        return
    print_organizations(found)


@main.command("settings")
@click.option("--markdown", is_flag=True, help="Print the table of settings and defaults.")
@click.pass_context
def show_settings(ctx: click.Context, markdown: bool) -> None:
    """Print the settings in effect (environment variables PATHWAYS_*)."""
    from pathways.settings_doc import current_values, settings_table

    if markdown:
        click.echo(settings_table())
        return
    for name, value in current_values(settings_from(ctx)):
        click.echo(f"{name}={value}")


def make_answerer(settings: Settings) -> Any:
    from answer.qa import Answerer

    searcher = make_searcher(settings)
    return Answerer(settings, searcher, searcher.embedder)


def make_searcher(settings: Settings) -> Any:
    from index.retrieval import HybridSearcher

    return HybridSearcher(settings, make_embedder(settings))


@main.command("eval")
@click.argument("eval_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--k", "k", type=click.IntRange(min=1), default=10, show_default=True, help=K_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def evaluate_command(ctx: click.Context, eval_file: Path, k: int, as_json: bool) -> None:
    """Score retrieval on a JSONL evaluation set (recall@k, MRR, nDCG, misses)."""
    from index.query import check_k
    from pathways.evaluation import evaluate, format_report, load_eval_set, report_to_dict

    settings = settings_from(ctx)
    with user_errors():
        check_k(k, settings)
        questions = load_eval_set(eval_file)
        searcher = make_searcher(settings)
        retrieve = passage_retriever(searcher)
        report = evaluate(questions, retrieve, k=k)
    if as_json:
        click.echo(json.dumps(report_to_dict(report), indent=2, ensure_ascii=False))
    else:
        click.echo(format_report(report))


@main.command("fit")
@click.argument("questions_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--folds",
    type=click.IntRange(0, 20),
    default=5,
    show_default=True,
    help="Cross-validation folds for the out-of-fold report (0: fit only).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the model (default: PATHWAYS_HOME/model.json).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the out-of-fold rows as JSON.")
@click.pass_context
def fit_command(
    ctx: click.Context, questions_file: Path, folds: int, out: Path | None, as_json: bool
) -> None:
    """Fit the answer models (sentence ranking, support and abstention threshold) on labelled
    questions, report out-of-fold figures, and write the model."""
    from answer.measures import format_report, report
    from answer.model import MODEL_FILE
    from pathways.evaluation import load_eval_set
    from pathways.fitting import fit_and_measure

    settings = settings_from(ctx)
    with user_errors():
        questions = load_eval_set(questions_file)
        answerer = make_answerer(settings)
        with click.progressbar(length=len(questions), label="questions", file=sys.stderr) as bar:
            model, rows = fit_and_measure(
                answerer, questions, folds=folds, progress=lambda i, n: bar.update(1)
            )
        target = out or settings.home / MODEL_FILE
        model.save(target)
    if as_json:
        click.echo(json.dumps({"report": report(rows) if rows else None, "rows": rows}, indent=1))
    elif rows:
        click.echo(f"out of fold ({folds} folds over {len(questions)} questions):")
        click.echo(format_report(report(rows)))
    click.echo(f"model written to {target} (abstains below {model.threshold:.3f})", err=True)


def passage_retriever(searcher: Any) -> Callable[[str, int], list[Any]]:
    """search() as the evaluation expects it: passages named by their source file."""
    from pathways.evaluation import Passage

    def retrieve(question: str, k: int) -> list[Passage]:
        snap = searcher.snapshot()
        return [
            Passage(Path(snap.documents[e.doc_id].source_path).name, e.text)
            for e in searcher.search(question, k)
        ]

    return retrieve


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=lambda: os.cpu_count() or 1,
    show_default="the number of cores",
    help="Server processes, each answering from the same read-only index.",
)
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, workers: int) -> None:
    """Serve the API and web page."""
    import uvicorn

    settings = settings_from(ctx)  # checked here, so a bad setting fails before any worker
    if workers == 1:
        from api.app import create_app

        uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
        return
    if ctx.obj.get("home") is not None:  # each worker builds its settings from the environment
        os.environ["PATHWAYS_HOME"] = str(ctx.obj["home"])
    uvicorn.run(
        "api.app:create_app", factory=True, host=host, port=port, workers=workers,
        log_level="info",
    )  # fmt: skip


if __name__ == "__main__":  # pragma: no cover
    main()
