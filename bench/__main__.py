"""`python -m bench --emails N`: the benchmark harness (docs/performance.md). Not run by CI.

Generates N demo mails, measures ingest (against DuckDB's readers and pandas), incremental
ingests, the pages' named queries, the exports and the pages in Chromium, prints the figures and
the targets met or missed, and writes them all as JSON (and a Markdown table).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
import tempfile
from pathlib import Path

from bench.exports import FORMATS
from bench.process import ROOT
from bench.report import as_markdown, as_text, tables
from bench.run import STEPS, Options, run

MARKER = ".mailtrail-bench"  # a work folder the harness made, and may empty again


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--emails", type=int, required=True, help="mails the demo generates")
    parser.add_argument("--seed", type=int, default=7, help="demo seed (default 7)")
    parser.add_argument(
        "--today",
        type=dt.date.fromisoformat,
        default=dt.date.today(),
        help="last day of the demo's 18 months (default: today)",
    )
    parser.add_argument(
        "--work",
        type=Path,
        help="folder for the files (default: a new one "
        "under /tmp, removed afterwards unless --keep)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument(
        "--json", type=Path, help="results file (default: bench/results/bench-<N>-<date>.json)"
    )
    parser.add_argument(
        "--markdown",
        type=Path,
        nargs="?",
        const=True,
        default=None,
        help="also write the tables as Markdown (default path: the JSON's, .md)",
    )
    parser.add_argument(
        "--skip", default="", help=f"steps to leave out, comma-separated: {','.join(STEPS)}"
    )
    parser.add_argument("--no-pages", action="store_true", help="skip the Chromium page timings")
    parser.add_argument("--repeat", type=int, default=20, help="runs of each query (default 20)")
    parser.add_argument(
        "--query-seconds",
        type=float,
        default=5.0,
        help="stop repeating a query after this long (at least 5 runs)",
    )
    parser.add_argument("--warm-visits", type=int, default=3, help="warm visits of each page")
    parser.add_argument("--formats", default=",".join(FORMATS), help="export formats")
    parser.add_argument(
        "--export-mails",
        type=int,
        default=None,
        help="pad a copy of the store to this many mails before the exports",
    )
    args = parser.parse_args(argv)
    skip = {s for s in args.skip.split(",") if s} | ({"pages"} if args.no_pages else set())
    if unknown := skip - set(STEPS):
        parser.error(f"unknown steps to skip: {', '.join(sorted(unknown))}")
    args.skip = frozenset(skip)
    if args.emails < 1:
        parser.error("--emails must be at least 1")
    return args


def work_folder(given: Path | None, emails: int) -> Path:
    """A work folder of the harness's own: a new one, or `given` if empty or made by it."""
    if given is None:
        return Path(tempfile.mkdtemp(prefix=f"mailtrail-bench-{emails}-"))
    if given.exists() and any(given.iterdir()):
        if not (given / MARKER).exists():
            sys.exit(f"{given} is not empty and not a work folder of the benchmark: choose another")
        shutil.rmtree(given)
    given.mkdir(parents=True, exist_ok=True)
    return given


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    work = work_folder(args.work, args.emails)
    (work / MARKER).touch()
    options = Options(
        emails=args.emails,
        work=work,
        seed=args.seed,
        today=args.today,
        skip=args.skip,
        repeat=args.repeat,
        query_seconds=args.query_seconds,
        warm_visits=args.warm_visits,
        formats=tuple(f for f in args.formats.split(",") if f),
        export_mails=args.export_mails,
        log=lambda line: print(line, file=sys.stderr, flush=True),
    )
    try:
        results = run(options)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    day = dt.date.today().isoformat()
    json_path = args.json or ROOT / "bench" / "results" / f"bench-{args.emails}-{day}.json"
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    report = tables(results)
    print(as_text(report))
    print(f"\nresults: {json_path}" + (f" (work folder kept: {work})" if args.keep else ""))
    if args.markdown:
        md_path = json_path.with_suffix(".md") if args.markdown is True else args.markdown
        md_path.write_text(as_markdown(report), encoding="utf-8")
        print(f"markdown: {md_path}")
    return 1 if results["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
