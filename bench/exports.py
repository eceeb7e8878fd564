"""The exports of the benchmark store: `python -m pipeline export` once per format, each in a
child of its own (time, peak memory, file size).

"1M rows" means min(N, 1,000,000) mails: a store with more is cut at the day its first million
mails end. `--export-mails M` pads a copy of the store to M mails first, by copying its sends and
mail statuses under new ids, to measure a million-mail export without generating a million mails.
"""

from __future__ import annotations

import datetime as dt
import math
import shutil
from pathlib import Path
from typing import Any

import duckdb

from bench.process import run_step

FORMATS = ("csv-excel", "csv", "parquet", "xlsx")
MILLION = 1_000_000


def mail_count(db: Path, timezone: str, end: dt.date | None = None) -> int:
    """How many mails the store holds (requested up to `end`, when given)."""
    with duckdb.connect(str(db), read_only=True) as con:
        con.execute(f"SET TimeZone = '{timezone}'")
        sql = "SELECT count(*) FROM email_history"
        if end is None:
            return int(con.execute(sql).fetchall()[0][0])
        sql += " WHERE CAST(requested_at AS DATE) <= ?"
        return int(con.execute(sql, [end]).fetchall()[0][0])


def last_day_within(db: Path, timezone: str, mails: int) -> dt.date | None:
    """The last day such that the mails requested up to it are at most `mails`."""
    with duckdb.connect(str(db), read_only=True) as con:
        con.execute(f"SET TimeZone = '{timezone}'")
        row = con.execute(
            "SELECT max(day) FROM (SELECT CAST(requested_at AS DATE) AS day, "
            "sum(count(*)) OVER (ORDER BY CAST(requested_at AS DATE)) AS running "
            "FROM email_history GROUP BY 1) WHERE running <= ?",
            [mails],
        ).fetchone()
    return row[0] if row else None


def pad_store(source: Path, target: Path, mails: int) -> int:
    """A copy of `source` whose sends and mail statuses are repeated under new ids until it holds
    at least `mails` mails; how many it holds."""
    shutil.copy(source, target)
    with duckdb.connect(str(target)) as con:
        have = int(con.execute("SELECT count(*) FROM email_history").fetchall()[0][0])
        copies = max(1, math.ceil(mails / have))
        for table, key in (("sends", "send_id"), ("mail_status", "mail_id")):
            con.execute(
                f"INSERT INTO {table} SELECT t.* REPLACE (t.{key} || '#' || k AS {key}) "
                f"FROM {table} AS t, range(1, ?) AS r(k)",
                [copies],
            )
        con.execute("CHECKPOINT")
        return int(con.execute("SELECT count(*) FROM email_history").fetchall()[0][0])


def run_exports(
    db: Path, work: Path, timezone: str, formats: list[str], pad_to: int | None, timeout: float
) -> dict[str, Any]:
    """Export min(mails, 1M) mails in each format; figures per format."""
    source, padded = db, None
    if pad_to and pad_to > mail_count(db, timezone):
        source = work / "export-store.duckdb"
        padded = pad_store(db, source, pad_to)
    mails = mail_count(source, timezone)
    end = last_day_within(source, timezone, MILLION) if mails > MILLION else None
    exported = mail_count(source, timezone, end) if end else mails
    rows = []
    for format_key in formats:
        out = work / f"export.{format_key}"
        argv = ["export", "--db", str(source), "--format", format_key, "--out", str(out)]
        if end:
            argv += ["--end", end.isoformat()]
        step = run_step("cli", {"argv": argv}, work, timeout=timeout, name=f"export-{format_key}")
        rows.append(
            {
                "format": format_key,
                "mails": exported,
                "wall_s": step.wall_s,
                "cpu_s": step.cpu_s,
                "peak_rss_mb": step.peak_rss_mb,
                "file_mb": out.stat().st_size / 1e6,
            }
        )
        out.unlink()
    if source != db:
        source.unlink()
    return {
        "store_mails": mails,
        "padded_to": padded,
        "mails": exported,
        "cut_at_day": end.isoformat() if end else None,
        "million": exported >= MILLION or (end is not None),
        "formats": rows,
    }
