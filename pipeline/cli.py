"""The command line: `python -m pipeline ingest|demo|watch|export|session-proof`. Translates
pipeline errors into exit codes.

Exit 0 when the command ran (refused records are reported, not fatal); 1 when a file was refused
as a whole or a fatal error stopped the command, with a message naming the file.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
import duckdb
from tqdm import tqdm

from pipeline.errors import PipelineError
from pipeline.filters.mail_filter import MailFilter
from pipeline.i18n import plural_form
from pipeline.ingest.files import FileReport, expand_paths, ingest_paths
from pipeline.rules.statuses import BOUNCE_CATEGORIES, MAIL_TYPES, RECIPIENT_KINDS, STATUS_KEYS
from pipeline.settings import Settings
from pipeline.store import SnapshotReader

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
    help=(
        "Last day of the demo's 18 months; its data stops at noon, Paris time "
        "(default: today after noon, else yesterday)."
    ),
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
    from pipeline.ingest.watch import stop_on_signals
    from pipeline.ingest.watch import watch as watch_folder

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


def _filter_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The MailFilter criteria as options: the same filters as the Explore page."""
    options = [
        click.option("--start", type=click.DateTime(["%Y-%m-%d"]), help="First day (YYYY-MM-DD)."),
        click.option("--end", type=click.DateTime(["%Y-%m-%d"]), help="Last day, included."),
        click.option("--status", "statuses", multiple=True, type=click.Choice(STATUS_KEYS),
                     help="Status (repeatable)."),
        click.option("--type", "email_types", multiple=True, type=click.Choice(MAIL_TYPES),
                     help="Mail type (repeatable)."),
        click.option("--kind", "recipient_kinds", multiple=True,
                     type=click.Choice(RECIPIENT_KINDS), help="Recipient kind (repeatable)."),
        click.option("--provider", "providers", multiple=True, help="Provider (repeatable)."),
        click.option("--domain", "recipient_domains", multiple=True,
                     help="Recipient domain (repeatable)."),
        click.option("--category", "bounce_categories", multiple=True,
                     type=click.Choice(BOUNCE_CATEGORIES), help="Bounce category (repeatable)."),
        click.option("--session", "session_id", help="Session id."),
        click.option("--contact", "contact_id", help="Contact id."),
        click.option("--opportunity", "opportunity_id", help="Sales opportunity id."),
        click.option("--to", "recipient_email", help="Recipient address."),
        click.option("--text", help="Free text in the recipient's name or address, or subject."),
        click.option("--complained/--not-complained", default=None,
                     help="Only mails with (or without) a spam complaint."),
        click.option("--unsubscribed/--not-unsubscribed", default=None,
                     help="Only mails whose recipient did (or did not) unsubscribe."),
        click.option("--send-log/--no-send-log", "has_send_log", default=None,
                     help="Only mails with (or without) a send-log record."),
    ]  # fmt: skip
    for option in reversed(options):
        command = option(command)
    return command


def _mail_filter(values: dict[str, Any]) -> MailFilter:
    """The MailFilter of the options given (options left out restrict nothing)."""
    start, end = values.pop("start"), values.pop("end")
    criteria: dict[str, Any] = {
        name: tuple(value) if isinstance(value, tuple) else value
        for name, value in values.items()
        if value not in (None, (), "")
    }
    try:
        return MailFilter(
            period_start=start.date() if start else None,
            period_end=end.date() if end else None,
            **criteria,
        )
    except ValueError as e:
        raise click.UsageError(str(e)) from e


@main.command()
@_DB_OPTION
@click.option(
    "--format",
    "format_key",
    type=click.Choice(["csv", "csv-excel", "xlsx", "parquet"]),
    default="csv-excel",
    show_default=True,
    help="csv: RFC 4180 (UTF-8, ','); csv-excel: for French Excel (UTF-8 BOM, ';'); "
    "xlsx: Excel workbook; parquet: typed columns.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="File to write (default: a name saying what it holds, in the current folder).",
)
@click.option(
    "--labels",
    "lang",
    type=click.Choice(["fr", "en"]),
    default=None,
    help="csv-excel and xlsx only: headers, codes and yes/no in words of this language, dates "
    "as its Excel shows them (default: the data contract's column names and codes).",
)
@_filter_options
def export(
    db_path: Path | None, format_key: str, out: Path | None, lang: str | None, **criteria: Any
) -> None:
    """Export every mail matching the filters (all of email_history without any)."""
    from pipeline.reports.export import bound_memory, export_file_name, export_mails

    settings = _settings(db_path)
    mail_filter = _mail_filter(criteria)
    out = out or Path(export_file_name(mail_filter, format_key))
    started = time.monotonic()
    with _snapshot(settings) as cur:
        bound_memory(cur)
        result = export_mails(cur, mail_filter, format_key, out, lang=lang)
    click.echo(
        f"{_counted(result.rows, 'mail')} written to {result.path} ({result.format.key}, "
        f"{result.size_bytes / 1e6:.1f} MB) in {time.monotonic() - started:.1f} s",
        err=True,
    )


@main.command("session-proof")
@_DB_OPTION
@click.argument("session_id")
@click.option("--format", "format_key", type=click.Choice(["xlsx", "html"]), default="xlsx",
              show_default=True, help="xlsx: workbook; html: printable page.")  # fmt: skip
@click.option("--lang", type=click.Choice(["fr", "en"]), default=None,
              help="Language of the document (default: MAILTRAIL_LANG).")  # fmt: skip
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="File to write (default: a name saying what it holds).")  # fmt: skip
def session_proof(
    db_path: Path | None, session_id: str, format_key: str, lang: str | None, out: Path | None
) -> None:
    """Proof of sending of one session: each mail sent to each person invited, with its status."""
    from pipeline.reports.session_proof import write_proof
    from pipeline.reports.session_proof.model import load_session_proof, proof_file_name

    settings = _settings(db_path)
    lang = lang or settings.language
    with _snapshot(settings) as cur:
        proof = load_session_proof(cur, session_id, lang)
        out = out or Path(proof_file_name(session_id, lang, format_key))
        write_proof(proof, format_key, out)
    click.echo(f"proof of sending of {session_id} ({len(proof.rows)} mails) written to {out}",
               err=True)  # fmt: skip


@contextlib.contextmanager
def _snapshot(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor on the latest published snapshot (an ingest running meanwhile does not matter);
    a pipeline error inside the block ends the command with its message."""
    reader = SnapshotReader(settings.db_path, settings.timezone)
    try:
        with reader.cursor() as cur:
            yield cur
    except PipelineError as e:
        raise click.ClickException(str(e)) from e
    finally:
        reader.close()


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


def _counted(count: int, noun: str) -> str:
    """`1 mail`, `3 mails`: the CLI speaks English, with CLDR's English plural rule."""
    return f"{count} {noun}" if plural_form(count, "en") == "one" else f"{count} {noun}s"


def _print_reports(reports: list[FileReport]) -> None:
    for r in reports:
        if r.status == "completed":
            line = (
                f"{r.path}: {r.format}: {r.records_read} read, {r.records_loaded} loaded, "
                f"{r.records_duplicate} already known, {r.records_rejected} refused, "
                f"{_counted(r.mails_changed, 'mail')} changed status"
            )
        elif r.status == "duplicate_file":
            line = f"{r.path}: skipped: {r.message}"
        else:
            line = f"{r.path}: REFUSED: {r.message}"
        if r.status == "completed" and r.message:
            line += f" ({r.message})"
        click.echo(line, err=not r.ok)
