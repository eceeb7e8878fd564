"""Benchmark the exports: wall time, peak memory and file size of each format on a large store.

    PYTHONPATH=. python bench/export.py                                  # about 1,000,000 mails
    PYTHONPATH=. python bench/export.py --rows 200000 --source data/mailtrail.duckdb

Builds a large store by copying a store (--source; else a 20,000-mail demo generated in the work
folder) and duplicating its sends and mail statuses under new ids until it holds at least --rows
mails. Then runs the real command line (`pipeline export`) once per format in a child process,
which reports its own peak resident memory (VmHWM: ru_maxrss would include this parent's, which
Linux carries across exec). A child that only opens the store and counts gives the baseline.
Prints a Markdown table (and writes it with --save). Not run by CI.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FORMATS = ("csv-excel", "csv", "parquet", "xlsx")
# Runs in the child: report the peak RSS of this process at exit, then run the command line.
PEAK_WRAPPER = """
import atexit, resource, sys
def _peak():
    with open('/proc/self/status') as status:
        peak = next(line.split()[1] for line in status if line.startswith('VmHWM:'))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    sys.stderr.write(f'PEAK_KB {peak} CPU_S {usage.ru_utime + usage.ru_stime:.1f}\\n')
atexit.register(_peak)
if sys.argv[1:] == ['baseline']:
    import os
    import pipeline.reports.export
    from pipeline.store import SnapshotReader
    reader = SnapshotReader(os.environ['BENCH_DB'])
    with reader.cursor() as cur:
        cur.execute('SELECT count(*) FROM email_history').fetchall()
    reader.close()
else:
    from pipeline.cli import main
    main(sys.argv[1:], prog_name='pipeline')
"""


def build_source(work: Path) -> Path:
    """A 20,000-mail demo store, generated and ingested through the real pipeline."""
    from pipeline.demo import generate_demo
    from pipeline.ingest.files import ingest_paths
    from pipeline.settings import Settings

    settings = Settings.from_env(
        environ={}, db_path=work / "demo.duckdb", attachments_dir=work / "attachments"
    )
    result = generate_demo(work / "in", settings.attachments_dir, emails=20_000)
    ingest_paths(result.files, settings)
    return settings.db_path


def build_big_store(source: Path, target: Path, rows: int) -> int:
    """Copy `source` and duplicate its mails under new ids until it holds >= `rows`."""
    shutil.copy(source, target)
    with duckdb.connect(str(target)) as con:
        mails = con.execute("SELECT count(*) FROM email_history").fetchall()[0][0]
        copies = max(1, math.ceil(rows / mails))
        con.execute(
            "INSERT INTO sends SELECT s.* REPLACE (s.send_id || '#' || k AS send_id) "
            "FROM sends s, range(1, ?) AS r(k)",
            [copies],
        )
        con.execute(
            "INSERT INTO mail_status SELECT m.* REPLACE (m.mail_id || '#' || k AS mail_id) "
            "FROM mail_status m, range(1, ?) AS r(k)",
            [copies],
        )
        con.execute("CHECKPOINT")
        return int(con.execute("SELECT count(*) FROM email_history").fetchall()[0][0])


def run_child(args: list[str], db: Path) -> tuple[float, float, float]:
    """Run the command line (or 'baseline') in a child: its wall and CPU time (s), peak RSS (MB)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BENCH_DB": str(db)}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", PEAK_WRAPPER, *args], cwd=ROOT, env=env,
                          stderr=subprocess.PIPE, text=True, check=False)  # fmt: skip
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{done.stderr}")
    peak_kb, _, cpu = done.stderr.rsplit("PEAK_KB ", 1)[1].split()[:3]
    return wall, float(cpu), int(peak_kb) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="mails in the big store")
    parser.add_argument("--source", type=Path, help="store to scale up (default: a new demo)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/mailtrail-bench-export"))
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--save", type=Path, help="also write the table to this file")
    args = parser.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    source = args.source or build_source(args.work)
    big = args.work / "big.duckdb"
    started = time.perf_counter()
    mails = build_big_store(source, big, args.rows)
    print(f"store: {mails:,} mails ({big.stat().st_size / 1e6:,.0f} MB) "
          f"built in {time.perf_counter() - started:.0f} s", flush=True)  # fmt: skip

    load = [os.getloadavg()[0]]
    wall, cpu, base_rss = run_child(["baseline"], big)
    rows = [
        f"| (baseline: open the store, count) | | | {wall:.1f} s | {cpu:.1f} s "
        f"| {base_rss:,.0f} MB | |"
    ]
    for format_key in args.formats.split(","):
        out = args.work / f"export.{format_key}"
        command = ["export", "--db", str(big), "--format", format_key, "--out", str(out)]
        wall, cpu, rss = run_child(command, big)
        load.append(os.getloadavg()[0])
        size = out.stat().st_size / 1e6
        rows.append(
            f"| {format_key} | {mails:,} | {size:,.0f} MB | {wall:.1f} s | {cpu:.1f} s "
            f"| {rss:,.0f} MB | {mails / cpu:,.0f} |"
        )
        print(rows[-1], flush=True)
        out.unlink()
    table = "\n".join([
        f"Exports of {mails:,} mails (the whole store), {dt.date.today()}, {os.cpu_count()} cores, "
        f"load average {min(load):.1f} to {max(load):.1f} (a busy machine stretches wall times; "
        "CPU times are the child's own). Each row: `python -m pipeline export --format F` in a "
        "child process; peak RSS is that whole process (Python, DuckDB under its 1 GB export "
        "limit, the writer).",
        "",
        "| format | rows | file | wall | CPU | peak RSS | rows per CPU s |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *rows,
    ])  # fmt: skip
    print("\n" + table)
    if args.save:
        args.save.write_text(table + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
