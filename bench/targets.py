"""The targets of the Scale issue (docs/performance.md), judged on one run's figures: each is
met, missed, or not measured (a step skipped or failed), with the figure that decided it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

GIB_MB = 1024.0
WHOLE_RUN_EMAILS = 100_000


@dataclass(frozen=True)
class Target:
    name: str
    value: float | None
    limit: float
    unit: str
    at_least: bool = False  # the value must reach the limit (a speed-up), not stay under it
    note: str = ""

    @property
    def met(self) -> bool | None:
        if self.value is None:
            return None
        return self.value >= self.limit if self.at_least else self.value <= self.limit

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "met": self.met}


def _worst(rows: list[dict[str, Any]], key: str, label: str) -> tuple[float | None, str]:
    rows = [r for r in rows if r.get(key) is not None]
    if not rows:
        return None, "not measured"
    worst = max(rows, key=lambda r: r[key])
    return worst[key], f"slowest: {worst[label]}"


def evaluate(results: dict[str, Any]) -> list[Target]:
    """Every target, from the figures `bench.run` collected (missing sections: not measured)."""
    out: list[Target] = []
    ratios = results.get("ratios", {})
    out.append(
        Target(
            "ingest ≤ 2× the DuckDB floor",
            ratios.get("ingest_over_floor"),
            2.0,
            "×",
            note=ratios.get("floor_note", ""),
        )
    )
    out.append(
        Target(
            "ingest ≥ 10× faster than pandas",
            ratios.get("pandas_over_ingest"),
            10.0,
            "×",
            at_least=True,
        )
    )
    for step in ("generate", "ingest"):
        rss = results.get(step, {}).get("peak_rss_mb")
        label = "demo generation" if step == "generate" else "ingest"
        out.append(Target(f"peak RSS of the {label} ≤ 4 GiB", rss, 4 * GIB_MB, "MB"))
    first: dict[str, Any] = next(iter(results.get("incremental", [])), {})
    out.append(
        Target(
            "1,000-event incremental ingest visible to readers ≤ 5 s",
            first.get("visible_s"),
            5.0,
            "s",
        )
    )
    queries = [q for q in results.get("queries", {}).get("results", []) if not q.get("error")]
    value, note = _worst(queries, "p95_ms", "name")
    out.append(Target("every page query p95 ≤ 300 ms", value, 300.0, "ms", note=note))
    value, note = _worst([q for q in queries if "detail" in q["kinds"]], "p95_ms", "name")
    out.append(Target("one mail's detail and events p95 ≤ 50 ms", value, 50.0, "ms", note=note))
    value, note = _worst([q for q in queries if "search" in q["kinds"]], "p95_ms", "name")
    out.append(Target("contact and free-text search p95 ≤ 300 ms", value, 300.0, "ms", note=note))
    pages = results.get("pages", {})
    for kind, limit in (("warm", 3.0), ("cold", 5.0)):
        rows = [{"page": p, "s": s} for p, s in pages.get(kind, {}).items()]
        value, note = _worst(rows, "s", "page")
        out.append(
            Target(f"every page's content ≤ {limit:.0f} s {kind}", value, limit, "s", note=note)
        )
    value, note = _worst(pages.get("grid_filter", []), "seconds", "text")
    out.append(Target("grid filter typed → rows ≤ 2 s", value, 2.0, "s", note=note))
    exports = results.get("exports", {})
    scope = _export_scope(exports)
    for label, keys in (("CSV", ("csv", "csv-excel")), ("Parquet", ("parquet",))):
        rows = [r for r in exports.get("formats", []) if r["format"] in keys]
        value, note = _worst(rows, "wall_s", "format")
        out.append(
            Target(
                f"export of 1M mails, {label}, ≤ 10 s",
                value,
                10.0,
                "s",
                note=f"{note}; {scope}" if rows else note,
            )
        )
    meta = results.get("meta", {})
    whole = Target("whole run ≤ 3 min at --emails 100000", meta.get("total_wall_s"), 180.0, "s")
    if meta.get("emails") != WHOLE_RUN_EMAILS or meta.get("skipped"):
        whole = Target(
            whole.name, None, whole.limit, "s", note="only judged on a full run of 100,000 mails"
        )
    out.append(whole)
    return out


def _export_scope(exports: dict[str, Any]) -> str:
    mails = exports.get("mails")
    if mails is None:
        return ""
    if exports.get("million"):
        return f"{mails:,} mails"
    return f"only {mails:,} mails: the store holds fewer than 1M (see --export-mails)"
