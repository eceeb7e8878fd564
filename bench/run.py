"""One benchmark run, step by step: generate → ingest → floor and peer → incremental ingests →
queries → exports → pages; then the targets. Each step's figures go into one results dict (the
JSON file); a step that fails is recorded with its error and the run goes on without it.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import shutil
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bench.inputs import InputFile, describe, incremental_file, utf8_copies
from bench.process import ROOT, Measured, StepFailed, run_step
from bench.targets import evaluate

STEPS = ("floor", "peer", "incremental", "queries", "exports", "pages")
TIMEZONE = "Europe/Paris"
INCREMENTAL_EVENTS = 1_000


@dataclass
class Options:
    emails: int
    work: Path
    seed: int = 7
    today: dt.date = field(default_factory=dt.date.today)
    skip: frozenset[str] = frozenset()
    repeat: int = 20
    query_seconds: float = 5.0
    warm_visits: int = 3
    formats: tuple[str, ...] = ("csv-excel", "csv", "parquet", "xlsx")
    export_mails: int | None = None
    log: Callable[[str], None] = print


def _timeout(base: float, per_mail: float, emails: int) -> float:
    return base + per_mail * emails


class Run:
    """The run's state: its options, its work folder and the figures gathered so far."""

    def __init__(self, options: Options) -> None:
        self.o = options
        self.work = options.work
        self.db = self.work / "store" / "mailtrail.duckdb"
        self.attachments = self.work / "attachments"
        self.results: dict[str, Any] = {"meta": _meta(options), "errors": {}}
        self.files: list[InputFile] = []
        self.started = time.perf_counter()

    def step(self, name: str, action: Callable[[], None]) -> None:
        """Run one part of the benchmark; record its error instead of stopping the run."""
        if name in self.o.skip:
            self.o.log(f"- {name}: skipped")
            return
        started = time.perf_counter()
        self.o.log(f"- {name} …")
        try:
            action()
        except (StepFailed, OSError, ValueError, RuntimeError) as e:
            self.results["errors"][name] = (
                str(e) if isinstance(e, StepFailed) else traceback.format_exc()
            )
            self.o.log(f"  {name} FAILED: {str(e).splitlines()[0]}")
        self.results.setdefault("step_seconds", {})[name] = time.perf_counter() - started
        self.o.log(f"  {name} done in {time.perf_counter() - started:.1f} s")

    # --- the steps --------------------------------------------------------------------------

    def generate(self) -> None:
        args = {
            "out_dir": str(self.work / "inputs"),
            "attachments_dir": str(self.attachments),
            "emails": self.o.emails,
            "seed": self.o.seed,
            "today": self.o.today.isoformat(),
        }
        m = run_step("generate", args, self.work, timeout=_timeout(120, 0.005, self.o.emails))
        self.files = [describe(Path(f)) for f in m.result["files"]]
        self.results["generate"] = {
            **_figures(m),
            **{k: v for k, v in m.result.items() if k != "files"},
            "mails_per_s": m.result["mails"] / m.wall_s,
            "input_files": len(self.files),
            "input_mb": sum(f.size_mb for f in self.files),
        }

    def ingest(self) -> None:
        self.db.parent.mkdir(parents=True, exist_ok=True)
        argv = ["ingest", "--db", str(self.db), *(f.path for f in self.files)]
        m = run_step(
            "cli",
            {"argv": argv},
            self.work,
            name="ingest",
            timeout=_timeout(300, 0.02, self.o.emails),
        )
        generated = self.results["generate"]
        records = generated["mails"] + generated["provider_events"]
        self.results["ingest"] = {
            **_figures(m),
            "exit_code": m.result["exit_code"],
            "files": len(self.files),
            "records": records,
            "records_per_s": records / m.wall_s,
            "events_per_s": generated["provider_events"] / m.wall_s,
            "store_mb": self.db.stat().st_size / 1e6,
            **_store_counts(self.db),
        }

    def floor(self) -> None:
        copies = utf8_copies(self.files, self.work / "utf8-copies")
        cp1252 = [f for f in self.files if f.encoding == "cp1252"]
        m = self._load("floor", [c.to_json() for c in copies])
        m["cp1252_files"] = len(cp1252)
        m["cp1252_mb"] = sum(f.size_mb for f in cp1252)
        m["cp1252_seconds"] = sum(
            e["seconds"]
            for e, f in zip(m["per_file"], self.files, strict=True)
            if f.encoding == "cp1252"
        )
        self.results["floor"] = m

    def peer(self) -> None:
        self.results["peer"] = self._load("peer", [f.to_json() for f in self.files])

    def _load(self, step: str, files: list[dict[str, Any]]) -> dict[str, Any]:
        db = self.work / f"{step}.duckdb"
        db.unlink(missing_ok=True)
        m = run_step(
            step,
            {"files": files, "db_path": str(db)},
            self.work,
            timeout=_timeout(120, 0.01, self.o.emails),
        )
        per_file = m.result["files"]
        out = {
            **_figures(m),
            "read_s": sum(e["seconds"] for e in per_file),
            "checkpoint_s": m.result["checkpoint_s"],
            "rows": sum(e["rows"] for e in per_file),
            "failed_files": [f"{e['file']}: {e['error']}" for e in per_file if e["error"]],
            "db_mb": db.stat().st_size / 1e6,
            "per_file": per_file,
        }
        db.unlink()
        return out

    def incremental(self) -> None:
        """On a copy of the store, so that the steps after it measure the N mails alone."""
        events = self.results["generate"]["provider_events"]
        store = self.work / "incremental" / "mailtrail.duckdb"
        store.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.db, store)
        runs = []
        for count, label in (
            (INCREMENTAL_EVENTS, "1,000 events"),
            (max(1, round(events / 100)), "1 % of the events"),
        ):
            path = self.work / "incremental" / f"brevo-webhooks-bench-{count}.jsonl"
            written = incremental_file([f.path for f in self.files], count, path, f"i{count}")
            runs.append({"label": label, "events": written, **self._ingest_visible(store, path)})
        self.results["incremental"] = runs
        shutil.rmtree(store.parent)

    def _ingest_visible(self, db: Path, path: Path) -> dict[str, Any]:
        """Ingest one file into the full store; when a fresh read-only connection first saw it."""
        import duckdb

        started = time.perf_counter()
        seen: dict[str, float] = {}
        last_look = [0.0]

        def look() -> None:
            if seen or time.perf_counter() - last_look[0] < 0.05:
                return
            last_look[0] = time.perf_counter()
            with duckdb.connect(str(db), read_only=True) as con:
                found = con.execute(
                    "SELECT count(*) FROM ingest_runs WHERE file_name = ?", [path.name]
                ).fetchone()
            if found and found[0]:
                seen["visible_s"] = time.perf_counter() - started

        argv = ["ingest", "--db", str(db), str(path)]
        m = run_step(
            "cli",
            {"argv": argv},
            self.work,
            name=f"ingest-{path.stem}",
            timeout=_timeout(120, 0.002, self.o.emails),
            while_running=look,
        )
        if not seen:
            look()  # published in the poller's last blind moment
        with duckdb.connect(str(db), read_only=True) as con:
            counts = con.execute(
                "SELECT records_loaded, records_duplicate, records_rejected FROM ingest_runs "
                "WHERE file_name = ?",
                [path.name],
            ).fetchall()
        loaded, duplicate, rejected = counts[0] if counts else (0, 0, 0)
        return {
            **_figures(m),
            "visible_s": seen.get("visible_s"),
            "loaded": loaded,
            "already_known": duplicate,  # the demo's own replayed webhook lines, copied too
            "rejected": rejected,
            "store_mb": db.stat().st_size / 1e6,
        }

    def queries(self) -> None:
        args = {
            "db_path": str(self.db),
            "timezone": TIMEZONE,
            "today": self.o.today.isoformat(),
            "repeat": self.o.repeat,
            "max_seconds": self.o.query_seconds,
        }
        m = run_step("queries", args, self.work, timeout=900)
        self.results["queries"] = {**_figures(m), **m.result}

    def exports(self) -> None:
        from bench.exports import run_exports

        self.results["exports"] = run_exports(
            self.db,
            self.work,
            TIMEZONE,
            list(self.o.formats),
            self.o.export_mails,
            timeout=_timeout(120, 0.5e-3, max(self.o.emails, self.o.export_mails or 0)),
        )

    def pages(self) -> None:
        from bench.pages import dashboard

        context = self.results.get("queries", {}).get("context")
        if context is None:
            context = self._context()
        profile = self.work / "chromium-profile"
        shutil.rmtree(profile, ignore_errors=True)
        with dashboard(self.db, self.attachments, self.work / "steps" / "streamlit.log") as (
            url,
            server,
        ):
            args = {
                "url": url,
                "context": context,
                "profile": str(profile),
                "warm_visits": self.o.warm_visits,
                "timeout_s": 60,
            }
            m = run_step("pages", args, self.work, timeout=900)
        self.results["pages"] = {**m.result, "driver_wall_s": m.wall_s, "server": server}

    def _context(self) -> dict[str, Any]:
        import duckdb

        from bench.queries import pick_context

        with duckdb.connect(str(self.db), read_only=True) as con:
            con.execute(f"SET TimeZone = '{TIMEZONE}'")
            return pick_context(con, self.o.today).to_json()

    def finish(self) -> dict[str, Any]:
        r = self.results
        ingest, floor, peer = r.get("ingest"), r.get("floor"), r.get("peer")
        ratios: dict[str, Any] = {}
        if ingest and floor:
            ratios["ingest_over_floor"] = ingest["wall_s"] / floor["wall_s"]
            if floor["cp1252_files"]:
                ratios["floor_note"] = (
                    f"{floor['cp1252_files']} Windows-1252 file(s) read by DuckDB from UTF-8 "
                    "copies made beforehand (no cp1252 decoder offline)"
                )
        if ingest and peer:
            ratios["pandas_over_ingest"] = peer["wall_s"] / ingest["wall_s"]
        r["ratios"] = ratios
        r["meta"]["total_wall_s"] = time.perf_counter() - self.started
        r["meta"]["load_after"] = os.getloadavg()
        r["targets"] = [t.to_json() for t in evaluate(r)]
        return r


def run(options: Options) -> dict[str, Any]:
    """The whole benchmark; its results."""
    bench = Run(options)
    options.log(f"benchmark of {options.emails:,} mails in {options.work}")
    bench.step("generate", bench.generate)
    if "generate" in bench.results["errors"]:
        return bench.finish()
    bench.step("ingest", bench.ingest)
    bench.step("floor", bench.floor)
    bench.step("peer", bench.peer)
    if "ingest" not in bench.results["errors"]:
        bench.step("incremental", bench.incremental)
        bench.step("queries", bench.queries)
        bench.step("exports", bench.exports)
        bench.step("pages", bench.pages)
    return bench.finish()


def _figures(m: Measured) -> dict[str, float]:
    return {"wall_s": m.wall_s, "work_s": m.work_s, "cpu_s": m.cpu_s, "peak_rss_mb": m.peak_rss_mb}


def _store_counts(db: Path) -> dict[str, int]:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        return {
            f"store_{table}": int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])
            for table in ("sends", "events", "email_history")
        }


def _git(*args: str) -> str:
    """What git prints for `args` in this checkout (empty when git fails)."""
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    return done.stdout.strip()


def _meta(o: Options) -> dict[str, Any]:
    commit = _git("rev-parse", "--short", "HEAD")
    dirty = _git("status", "--porcelain", "--untracked-files=no")
    return {
        "emails": o.emails,
        "seed": o.seed,
        "today": o.today.isoformat(),
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "commit": commit + ("+changes" if dirty else ""),
        "cpus": os.cpu_count(),
        "load_before": os.getloadavg(),
        "python": platform.python_version(),
        "duckdb": version("duckdb"),
        "pandas": version("pandas"),
        "platform": platform.platform(),
        "work": str(o.work),
        "skipped": sorted(o.skip),
        "argv": sys.argv[1:],
    }
