"""Download buttons that export a whole slice of mails (not only the rows the grid loaded).

Nothing is built until a button is clicked: each button holds a callable that Streamlit runs on
click, on its own thread, against the page's pinned snapshot. The export is written to a
temporary file by pipeline.reports.export (streamed from DuckDB), then handed to Streamlit, which
keeps the bytes in memory while the browser downloads them — hence the warning and the command line
offered for very large slices.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from pipeline.filters.grid_query import GridQuery
from pipeline.filters.mail_filter import MailFilter
from pipeline.i18n.numbers import format_count
from pipeline.reports.export import (
    FORMATS,
    LABELLED_FORMATS,
    export_command,
    export_file_name,
    export_mails,
)
from pipeline.reports.export_xlsx import XLSX_MAX_ROWS
from pipeline.store import SnapshotReader
from ui.app.db import reader
from ui.app.shell import Page

#: Above this many mails the page says the file will take a while and offers the command line.
LARGE_EXPORT = 200_000
_ICONS = {
    "csv-excel": ":material/table_view:",
    "csv": ":material/description:",
    "xlsx": ":material/grid_on:",
    "parquet": ":material/database:",
}


def export_buttons(
    view: Page,
    mail_filter: MailFilter,
    *,
    grid: GridQuery | None,
    count: int,
    key: str,
) -> None:
    """One download button per format for the `count` mails of the slice."""
    with st.container(horizontal=True, gap="small"):
        for format_key in FORMATS:
            too_big = format_key == "xlsx" and count > XLSX_MAX_ROWS
            help_key = (
                "explore.export.too_big_for_xlsx"
                if too_big
                else f"explore.export.help.{format_key}"
            )
            st.download_button(
                view.t(f"explore.export.label.{format_key}"),
                data=_builder(view.snapshot, mail_filter, grid, format_key, view.lang),
                file_name=export_file_name(mail_filter, format_key),
                mime=FORMATS[format_key].mime,
                key=f"{key}::export::{format_key}",
                help=view.t(help_key, limit=format_count(XLSX_MAX_ROWS, view.lang)),
                icon=_ICONS[format_key],
                on_click="ignore",
                disabled=count == 0 or too_big,
            )  # fmt: skip


def large_export_notice(view: Page, mail_filter: MailFilter, count: int) -> None:
    """For a very large slice: what to expect, and the command line that writes it to disk."""
    if count <= LARGE_EXPORT:
        return
    st.info(view.t("explore.export.large", count=format_count(count, view.lang)))
    st.code(export_command(mail_filter, "parquet", db=view.settings.db_path), language="bash")


def _builder(
    snapshot: str,
    mail_filter: MailFilter,
    grid: GridQuery | None,
    format_key: str,
    lang: str,
) -> Callable[[], bytes]:
    """The callable Streamlit runs when the button is clicked (outside the script run: it
    captures the reader instead of looking it up). The spreadsheet formats come in the page's
    language; CSV and Parquet, the analysts' formats, in the data contract's names and codes."""
    store = reader()
    labelled = lang if format_key in LABELLED_FORMATS else None

    def build() -> bytes:
        return export_bytes(store, snapshot, mail_filter, grid, format_key, labelled)

    return build


def export_bytes(
    store: SnapshotReader,
    snapshot: str,
    mail_filter: MailFilter,
    grid: GridQuery | None,
    format_key: str,
    lang: str | None = None,
) -> bytes:
    """The export file's bytes, written to a temporary folder first (streamed from DuckDB),
    labelled in `lang` (see pipeline.reports.export.export_mails).

    Streamlit serves these very bytes, so the file is in memory once, and the rows never are
    (tests/test_export_scale.py measures both)."""
    with tempfile.TemporaryDirectory(prefix="mailtrail-export-") as folder:
        path = Path(folder) / export_file_name(mail_filter, format_key)
        with store.cursor(snapshot) as cur:
            export_mails(cur, mail_filter, format_key, path, grid=grid, lang=lang)
        return path.read_bytes()
