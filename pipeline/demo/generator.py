"""Entry point of the demo-data generator: `generate_demo` writes a realistic set of input files
(send logs and provider exports in their native formats, PDF attachments) for Mailtrail to ingest.

Deterministic: the same `seed` and `today` give byte-identical files. Streams month by month in
bounded memory, so ten million mails work. Writes input files only: reading them is the
pipeline's job.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pipeline.demo.files.outputs import clear_previous_run
from pipeline.demo.files.render import Renderer
from pipeline.demo.world.clock import newest_possible_day
from pipeline.demo.world.world import build_world

PROGRESS_EVERY = 1_000
STORIES = (
    "address_typo",
    "unknown_user",
    "mailbox_full",
    "dmarc_incident",
    "machine_open",
    "waiting",
    "stuck",
    "spam_complaint",
    "unsubscribe",
    "suppressed",
    "evaluation_click",
    "async_bounce",
    "domain_not_found",
    "console_sent",
)


@dataclass
class DemoResult:
    """What `generate_demo` wrote."""

    files: list[Path]  # send logs first, then provider files, in ingest order
    emails: int  # send-log records
    provider_events: int  # records in provider files (webhook events and CSV rows)
    stories: dict[str, int] = field(default_factory=dict)  # mails each story touched


def generate_demo(
    out_dir: Path,
    attachments_dir: Path,
    emails: int = 40_000,
    seed: int = 7,
    today: date | None = None,
    progress: Callable[[int], None] | None = None,
) -> DemoResult:
    """Write 18 months (ending on `today`) of a French training organisation's mail history
    under `out_dir` (sendlog/, brevo/, sendgrid/) and its PDF attachments under
    `attachments_dir`. Files of an earlier run in those folders are replaced; "now" in the data
    is noon, Paris time, on `today` (by default the newest day whose noon has passed)."""
    if emails < 1:
        raise ValueError("emails must be at least 1")
    out_dir, attachments_dir = Path(out_dir), Path(attachments_dir)
    world = build_world(seed, today or newest_possible_day(int(time.time())), emails)
    clear_previous_run(out_dir)
    renderer = Renderer(world, out_dir, attachments_dir)
    reported = 0
    try:
        for key in world.order:
            renderer.thread(key)
            if progress and renderer.mails - reported >= PROGRESS_EVERY:
                reported = renderer.mails
                progress(reported)
        files, provider_events = renderer.finish()
    except BaseException:
        renderer.abandon()
        raise
    if progress and reported != renderer.mails:
        progress(renderer.mails)
    stories = {name: renderer.stories.get(name, 0) for name in STORIES}
    return DemoResult(files, renderer.mails, provider_events, stories)
