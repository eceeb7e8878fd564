"""The layout of the demo's input files: which file each record goes to, in which format.

* `sendlog/envois-YYYY-MM.{csv,jsonl}`: one per month, format by age (see `sendlog`);
* `brevo/brevo-webhooks-YYYY-MM.jsonl`, except one month exported from the console as
  `brevo/brevo-logs-YYYY-MM.csv`;
* `sendgrid/sendgrid-webhooks-YYYY-MM.jsonl`, one JSON array per line;
* `sendgrid/sendgrid-activity-<from>_<to>.csv`: two weeks that the webhook files also hold.

Months are Paris calendar months. A month with more records than a file should hold (a run of
millions of mails) is written as `name-part1.ext`, `name-part2.ext`… of consecutive times. Owns
the spools; knows nothing of mail content.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.demo.files import brevo, sendgrid, sendlog
from pipeline.demo.files.spool import Spool, Spools, json_array_batches
from pipeline.demo.world.clock import DAY, Period, fmt_local

SENDLOG_PART_RECORDS = 250_000  # send-log rows a file holds (about 700 MB)
EVENT_PART_RECORDS = 1_000_000  # provider events a file holds (about 500 MB)
OWN_FILES = {  # what a run writes: an earlier run's files are replaced, nothing else is touched
    "sendlog": ("envois-*.csv", "envois-*.jsonl"),
    "brevo": ("brevo-webhooks-*.jsonl", "brevo-logs-*.csv"),
    "sendgrid": ("sendgrid-webhooks-*.jsonl", "sendgrid-activity-*.csv"),
}


def clear_previous_run(out_dir: Path) -> None:
    """Remove the files (and scratch spools) an earlier demo run left in `out_dir`."""
    for folder, patterns in OWN_FILES.items():
        for pattern in (*patterns, ".*.spool"):
            for path in (out_dir / folder).glob(pattern):
                path.unlink()


class Outputs:
    def __init__(self, period: Period, out_dir: Path, seed: int) -> None:
        self.period = period
        self.spools = Spools()
        self.provider_events = 0
        self._months = period.months
        lo, _ = period.incident
        self.activity_window = ((lo - 7 * DAY) * 1000, (lo + 7 * DAY) * 1000)
        self._order: list[str] = []
        self._sendlog: list[Spool] = []  # by month
        self._brevo: list[Spool] = []  # by month; the export month's is the CSV export
        self._sendgrid: list[Spool] = []
        for m in range(period.months):
            end = period.month_starts[m + 1] * 1000
            label = period.month_label(m)
            fmt = sendlog.format_for_month(m, period.months)
            spool = Spool(
                out_dir / "sendlog" / f"envois-{label}.{sendlog.EXTENSIONS[fmt]}",
                sendlog.header(fmt),
                end,
                part_records=SENDLOG_PART_RECORDS,
            )
            self._sendlog.append(self._add(f"sendlog-{m}", spool))
        for m in range(period.months):
            end, label = period.month_starts[m + 1] * 1000, period.month_label(m)
            export = m == period.brevo_export_month  # the console's CSV, newest first
            key = "brevo-csv" if export else f"brevo-{m}"
            name = f"brevo-logs-{label}.csv" if export else f"brevo-webhooks-{label}.jsonl"
            spool = Spool(
                out_dir / "brevo" / name,
                brevo.CSV_HEADER if export else b"",
                end,
                descending=export,
                part_records=EVENT_PART_RECORDS,
            )
            self._brevo.append(self._add(key, spool))
        for m in range(period.months):
            end, label = period.month_starts[m + 1] * 1000, period.month_label(m)
            spool = Spool(
                out_dir / "sendgrid" / f"sendgrid-webhooks-{label}.jsonl",
                b"",
                end,
                batcher=json_array_batches(seed * 100 + m),
                part_records=EVENT_PART_RECORDS,
            )
            self._sendgrid.append(self._add(f"sendgrid-{m}", spool))
        a, b = self.activity_window
        name = (
            f"sendgrid-activity-{fmt_local(a // 1000, '%Y-%m-%d')}_"
            f"{fmt_local(b // 1000 - 1, '%Y-%m-%d')}.csv"
        )
        self._activity = self._add(
            "activity",
            Spool(
                out_dir / "sendgrid" / name,
                sendgrid.ActivityCsv().header(),
                b,
                descending=True,
                part_records=EVENT_PART_RECORDS,
            ),
        )

    def _add(self, key: str, spool: Spool) -> Spool:
        self._order.append(key)
        self.spools.add(key, spool)
        return spool

    def sendlog_format(self, ts: int) -> str:
        return sendlog.format_for_month(self.period.month_index(ts), self._months)

    def sendlog(self, ts: int, row: bytes) -> None:
        self._sendlog[self.period.month_index(ts)].add(ts * 1000, row)

    def is_brevo_csv(self, ms: int) -> bool:
        return self.period.month_index(ms // 1000) == self.period.brevo_export_month

    def brevo(self, ms: int, payload: bytes) -> None:
        """A webhook line or, in the month exported from the console, a CSV row."""
        self._brevo[self.period.month_index(ms // 1000)].add(ms, payload)
        self.provider_events += 1

    def sendgrid(self, ms: int, event: bytes) -> None:
        self._sendgrid[self.period.month_index(ms // 1000)].add(ms, event)
        self.provider_events += 1

    def in_activity_window(self, ms: int) -> bool:
        return self.activity_window[0] <= ms < self.activity_window[1]

    def activity(self, ms: int, row: bytes) -> None:
        self._activity.add(ms, row)
        self.provider_events += 1

    def seal_before(self, ms: int) -> None:
        self.spools.seal_before(ms)

    def seal_all(self) -> None:
        self.spools.seal_all()

    def discard(self) -> None:
        """After a failure: close and delete the scratch spools."""
        self.spools.discard()

    def files(self) -> list[Path]:
        """Written files in ingest order: send logs, Brevo, SendGrid webhooks, the activity CSV."""
        written = self.spools.written
        return [path for key in self._order for path in written.get(key, ())]
