"""The results of a run as tables: one model (`tables`), printed as aligned text for the terminal
or as Markdown for docs/performance.md. The JSON file holds every figure; these tables hold the
ones a reader compares."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _s(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:,.{digits}f} s"


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}" if value >= 10 else f"{value:.1f}"


def _mb(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f} MB"


def _n(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}"


def tables(r: dict[str, Any]) -> list[Table]:
    out = [_summary(r), _loads(r)]
    for build in (_incremental, _queries, _exports, _pages):
        table = build(r)
        if table is not None:
            out.append(table)
    out.append(_targets(r))
    return out


def _summary(r: dict[str, Any]) -> Table:
    m = r["meta"]
    gen = r.get("generate", {})
    notes = [
        f"{m['date']}, commit {m['commit']}, {m['cpus']} CPUs, load average "
        f"{m['load_before'][0]:.1f} before, {m.get('load_after', [0])[0]:.1f} after; Python "
        f"{m['python']}, DuckDB {m['duckdb']}, pandas {m['pandas']}",
        f"whole run {_s(m.get('total_wall_s'))}"
        + (f"; skipped: {', '.join(m['skipped'])}" if m["skipped"] else ""),
    ]
    notes += [f"{step} FAILED: {error.splitlines()[0]}" for step, error in r["errors"].items()]
    table = Table(
        f"Benchmark of {m['emails']:,} mails (seed {m['seed']}, today {m['today']})",
        ["step", "figures"],
        notes=notes,
    )
    if gen:
        table.rows.append(
            [
                "demo generation",
                (
                    f"{gen['mails']:,} mails, {gen['provider_events']:,} provider events, "
                    f"{gen['input_files']} input files ({gen['input_mb']:,.0f} MB) "
                    f"in {_s(gen['wall_s'])} "
                    f"({gen['mails_per_s']:,.0f} mails/s), peak RSS {_mb(gen['peak_rss_mb'])}"
                ),
            ]
        )
    steps = r.get("step_seconds", {})
    if steps:
        table.rows.append(["time per step", ", ".join(f"{k} {v:.0f} s" for k, v in steps.items())])
    return table


def _loads(r: dict[str, Any]) -> Table:
    table = Table(
        "Ingest into a fresh store, against the floor and the peer, on the same files",
        ["load", "wall", "CPU", "peak RSS", "rows", "records/s", "× ingest"],
    )
    ingest = r.get("ingest")
    if ingest:
        table.rows.append(
            [
                "`pipeline ingest` (the CLI)",
                _s(ingest["wall_s"]),
                _s(ingest["cpu_s"]),
                _mb(ingest["peak_rss_mb"]),
                _n(ingest["records"]),
                _n(ingest["records_per_s"]),
                "1.00",
            ]
        )
        table.notes.append(
            f"ingest: {ingest['files']} files, {ingest['records']:,} records (send-log records + "
            f"provider events), {ingest['events_per_s']:,.0f} provider events/s; store "
            f"{ingest['store_mb']:,.0f} MB: {ingest['store_email_history']:,} mails, "
            f"{ingest['store_events']:,} events"
        )
    for key, label in (
        ("floor", "floor: DuckDB read_json / read_csv"),
        ("peer", "peer: pandas, then into DuckDB"),
    ):
        load = r.get(key)
        if not load:
            continue
        ratio = f"{load['wall_s'] / ingest['wall_s']:.2f}" if ingest else "–"
        table.rows.append(
            [
                label,
                _s(load["wall_s"]),
                _s(load["cpu_s"]),
                _mb(load["peak_rss_mb"]),
                _n(load["rows"]),
                _n(load["rows"] / load["wall_s"]),
                ratio,
            ]
        )
        for failure in load["failed_files"]:
            table.notes.append(f"{key} could not read {failure}")
    floor = r.get("floor")
    if floor and floor["cp1252_files"]:
        table.notes.append(
            f"floor: {floor['cp1252_files']} Windows-1252 CSV file(s) "
            f"({floor['cp1252_mb']:,.1f} MB, {floor['cp1252_seconds']:.2f} s of the floor) were "
            "read from UTF-8 copies made beforehand: DuckDB has no cp1252 decoder without its "
            "`encodings` extension (not "
            "installed offline) and refuses them as Latin-1; pandas read the originals as cp1252"
        )
    table.notes.append("walls are whole child processes (interpreter start and imports included)")
    return table


def _incremental(r: dict[str, Any]) -> Table | None:
    runs = r.get("incremental")
    if not runs:
        return None
    table = Table(
        "Incremental ingest into the full store (new Brevo webhook events)",
        [
            "file",
            "lines (new)",
            "visible to a new reader",
            "ingest wall",
            "CPU",
            "peak RSS",
            "store",
        ],
    )
    for run in runs:
        table.rows.append(
            [
                run["label"],
                f"{run['events']:,} ({run.get('loaded', 0):,})",
                _s(run["visible_s"], 2),
                _s(run["wall_s"], 2),
                _s(run["cpu_s"], 2),
                _mb(run["peak_rss_mb"]),
                _mb(run["store_mb"]),
            ]
        )
    table.notes.append(
        "lines copied from the demo's Brevo files under fresh message ids; (new) excludes the "
        "demo's own replayed lines, which the ingest finds already known"
    )
    return table


def _queries(r: dict[str, Any]) -> Table | None:
    q = r.get("queries")
    if not q:
        return None
    rows = sorted(q["results"], key=lambda x: -(x["p95_ms"] or 0))
    table = Table(
        "Named queries as the pages call them (SnapshotReader cursor), ms",
        ["page", "query", "median", "p95", "first", "runs"],
    )
    for row in rows:
        name = row["name"] + (f" — ERROR {row['error']}" if row["error"] else "")
        table.rows.append(
            [
                row["page"],
                name,
                _ms(row["median_ms"]),
                _ms(row["p95_ms"]),
                _ms(row["first_ms"]),
                str(row["runs"]),
            ]
        )
    ctx = q["context"]
    table.notes.append(
        f"period {ctx['period'][0]} to {ctx['period'][1]}; mail {ctx['send_id']}; session "
        f"{ctx['session_id']}; contact {ctx['contact_id']} ({ctx['contact_kind']}); search "
        f"{ctx['search_text']!r}; first = the first of the runs, on a fresh reader"
    )
    if q["not_benchmarked"]:
        table.notes.append(
            "NOT BENCHMARKED (new in pipeline/queries?): " + ", ".join(q["not_benchmarked"])
        )
    for name, why in q["not_page_queries"].items():
        table.notes.append(f"not timed: {name} ({why})")
    return table


def _exports(r: dict[str, Any]) -> Table | None:
    e = r.get("exports")
    if not e:
        return None
    scope = f"{e['mails']:,} mails"
    if e["padded_to"]:
        scope += f" (store padded to {e['padded_to']:,} by copying its mails)"
    if e["cut_at_day"]:
        scope += f" (mails up to {e['cut_at_day']})"
    table = Table(f"Exports of {scope}", ["format", "wall", "CPU", "peak RSS", "file"])
    for row in e["formats"]:
        table.rows.append(
            [
                row["format"],
                _s(row["wall_s"]),
                _s(row["cpu_s"]),
                _mb(row["peak_rss_mb"]),
                _mb(row["file_mb"]),
            ]
        )
    if not e["million"]:
        table.notes.append(f"fewer than 1M mails: {e['mails']:,} (pad with --export-mails 1000000)")
    return table


def _pages(r: dict[str, Any]) -> Table | None:
    p = r.get("pages")
    if not p:
        return None
    table = Table(
        "Pages in headless Chromium: navigation → content",
        ["page", "cold", "warm", "script run done (cold / warm)"],
    )
    for name, cold in p["cold"].items():
        done = p["run_done"].get(name, {})
        table.rows.append(
            [
                name,
                _s(cold, 2),
                _s(p["warm"].get(name), 2),
                f"{_s(done.get('cold'), 2)} / {_s(done.get('warm'), 2)}",
            ]
        )
    for run in p["grid_filter"]:
        table.rows.append(
            [
                f"Explore: grid recipient filter {run['text']!r} typed → rows",
                _s(run["seconds"], 2),
                "",
                "",
            ]
        )
    server = p.get("server", {})
    table.notes.append(
        f"warm: median of {len(next(iter(p['warm_runs'].values()), []))} visits, each a new tab; "
        "script run done: when the page's first script run had finished (the rest is the "
        "browser drawing charts and grids); "
        f"server start {_s(server.get('start_s'))}, "
        f"server peak RSS {_mb(server.get('peak_rss_mb'))}"
    )
    return table


def _targets(r: dict[str, Any]) -> Table:
    table = Table("Targets", ["target", "measured", "verdict", "note"])
    for t in r["targets"]:
        value = t["value"]
        shown = "–" if value is None else f"{value:,.2f} {t['unit']}"
        verdict = {True: "met", False: "MISSED", None: "not measured"}[t["met"]]
        table.rows.append([t["name"], shown, verdict, t["note"]])
    return table


def _line(cells: list[str], widths: list[int]) -> str:
    return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()


def as_text(tables_: list[Table]) -> str:
    """Aligned columns; notes below each table."""
    out = []
    for table in tables_:
        rows = [table.header, *table.rows]
        widths = [max(len(row[i]) for row in rows) for i in range(len(table.header))]
        out += ["", table.title, "=" * len(table.title), _line(table.header, widths)]
        out += ["  ".join("-" * w for w in widths)]
        out += [_line(row, widths) for row in table.rows]
        out += [f"  · {note}" for note in table.notes]
    return "\n".join(out).lstrip("\n")


def as_markdown(tables_: list[Table]) -> str:
    out = []
    for table in tables_:
        out += [
            f"### {table.title}",
            "",
            "| " + " | ".join(table.header) + " |",
            "|" + "---|" * len(table.header),
        ]
        out += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in table.rows]
        out += [""] + [f"- {note}" for note in table.notes] + [""]
    return "\n".join(out)
