"""The command line: `python -m pipeline ingest|demo|…`. Translates pipeline errors into exit codes.

Exit 0 when the command ran (refused records are reported, not fatal); 1 when a file was refused
as a whole or a fatal error stopped the command, with a message naming the file.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

import click
from tqdm import tqdm

from pipeline.errors import PipelineError
from pipeline.ingest import FileReport, expand_paths, ingest_paths
from pipeline.settings import Settings

_DB_OPTION = click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="DuckDB database to write (default: $MAILTRAIL_DB or data/mailtrail.duckdb).",
)


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log what each step does.")
def main(verbose: bool) -> None:
    """Mailtrail: load platform send logs and e-mail providers' event files into DuckDB."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.ERROR,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


@main.command()
@_DB_OPTION
@click.option(
    "--mapping",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Column mapping (TOML) for another provider's CSV export; see docs/mappings.md.",
)
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
def ingest(db_path: Path | None, mapping: Path | None, paths: tuple[Path, ...]) -> None:
    """Ingest files or folders (recursively): send logs and provider event files."""
    settings = _settings(db_path)
    reports = _ingest_with_progress(list(paths), settings, mapping=mapping)
    _print_reports(reports)
    if any(not r.ok for r in reports):
        sys.exit(1)


@main.command()
@_DB_OPTION
@click.option("--emails", default=40_000, show_default=True, help="Number of mails to generate.")
@click.option("--seed", default=7, show_default=True, help="Random seed (same seed, same data).")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data/demo"),
    show_default=True,
    help="Folder for the generated input files.",
)
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Last day of the demo's 18 months (default: today).",
)
def demo(db_path: Path | None, emails: int, seed: int, out_dir: Path, today: object | None) -> None:
    """Generate a realistic demo (send logs + Brevo and SendGrid files) and ingest it."""
    from pipeline.demo import generate_demo

    settings = _settings(db_path)
    started = time.monotonic()
    with tqdm(total=emails, unit="mail", desc="generating", file=sys.stderr) as bar:
        result = generate_demo(
            out_dir,
            settings.attachments_dir,
            emails=emails,
            seed=seed,
            today=today.date() if today else None,  # type: ignore[attr-defined]
            progress=lambda done: bar.update(done - bar.n),
        )
    reports = _ingest_with_progress(result.files, settings)
    refused = [r for r in reports if not r.ok]
    click.echo(
        f"demo: {result.emails} mails, {result.provider_events} provider events in "
        f"{len(result.files)} files under {out_dir}; database {settings.db_path} "
        f"built in {time.monotonic() - started:.1f} s"
    )
    if refused:
        _print_reports(refused)
        sys.exit(1)


@main.command()
@_DB_OPTION
@click.option(
    "--settle", default=2.0, show_default=True, help="Seconds a file must stay unchanged."
)
@click.option("--poll", default=1.0, show_default=True, help="Seconds between looks at the folder.")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def watch(db_path: Path | None, settle: float, poll: float, folder: Path) -> None:
    """Ingest each file that lands in FOLDER; move it to processed/ or failed/."""
    from pipeline.watch import stop_on_signals
    from pipeline.watch import watch as watch_folder

    settings = _settings(db_path)
    click.echo(f"watching {folder} → {settings.db_path} (Ctrl-C to stop)", err=True)

    def report(file_report: FileReport, moved_to: Path) -> None:
        _print_reports([file_report])
        click.echo(f"  moved to {moved_to}", err=not file_report.ok)

    with stop_on_signals() as stop:
        try:
            watch_folder(
                folder,
                settings,
                stop=stop,
                poll_seconds=poll,
                settle_seconds=settle,
                on_report=report,
            )
        except PipelineError as e:
            raise click.ClickException(str(e)) from e
    click.echo("stopped", err=True)


def _settings(db_path: Path | None) -> Settings:
    try:
        return Settings.from_env().with_db(db_path)
    except PipelineError as e:
        raise click.ClickException(str(e)) from e


def _ingest_with_progress(
    paths: list[Path], settings: Settings, mapping: Path | None = None
) -> list[FileReport]:
    files = list(expand_paths(paths))
    with tqdm(total=len(files), unit="file", desc="ingesting", file=sys.stderr) as bar:

        def advance(report: FileReport) -> None:
            bar.set_postfix_str(Path(report.path).name[-40:])
            bar.update(1)

        try:
            return ingest_paths(files, settings, mapping=mapping, on_file=advance)
        except PipelineError as e:
            raise click.ClickException(str(e)) from e


def _print_reports(reports: list[FileReport]) -> None:
    for r in reports:
        if r.status == "completed":
            line = (
                f"{r.path}: {r.format}: {r.records_read} read, {r.records_loaded} loaded, "
                f"{r.records_duplicate} already known, {r.records_rejected} refused, "
                f"{r.mails_changed} mail(s) changed status"
            )
        elif r.status == "duplicate_file":
            line = f"{r.path}: skipped: {r.message}"
        else:
            line = f"{r.path}: REFUSED: {r.message}"
        if r.status == "completed" and r.message:
            line += f" ({r.message})"
        click.echo(line, err=not r.ok)
