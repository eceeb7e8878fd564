"""Take the README's screenshots of every page from the demo data, in headless Chromium.

    PYTHONPATH=. .venv/bin/python scripts/screenshots.py [--db FILE] [--attachments DIR]
        [--out docs/screenshots]

Uses the demo database of `make run` (built first if missing) with its attachments folder
(--attachments, else $MAILTRAIL_ATTACHMENTS, else data/attachments: the one the demo was built
with, or the mails' PDFs show as missing) and Debian's Chromium. Each page is
opened by URL, as a user's link would open it, and captured full-page at 1440 px wide.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import click
import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser import chromium_context, streamlit_app, wait_until_idle  # noqa: E402


@dataclass(frozen=True)
class Shot:
    name: str
    path: str  # URL path and query, e.g. "sessions?session=S1&mail=M1"
    wait_for: str = "[data-testid='stMain']"


def example_ids(db_path: Path) -> dict[str, str]:
    """A session with failures, one of its mails that bounced, a learner, an opened mail, and
    the DMARC incident's month (the demo places it three months before the day it was built)."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        session, mail = con.execute(
            """
            SELECT session_id, arg_max(send_id, requested_at)
            FROM email_history
            WHERE session_id IS NOT NULL AND status = 'undeliverable' AND attachment_count > 0
            GROUP BY session_id ORDER BY count(*) DESC, session_id LIMIT 1
            """
        ).fetchone()
        contact, contact_mail = con.execute(
            """
            SELECT contact_id, arg_max(send_id, requested_at) FROM email_history
            WHERE recipient_kind = 'learner' AND contact_id IS NOT NULL
            GROUP BY contact_id HAVING count(DISTINCT session_id) > 1
            ORDER BY count(*) DESC, contact_id LIMIT 1
            """
        ).fetchone()
        incident = con.execute(
            """
            SELECT date_trunc('month', requested_at)::DATE AS month
            FROM email_history WHERE bounce_category = 'sender_authentication'
            GROUP BY month ORDER BY count(*) DESC, month LIMIT 1
            """
        ).fetchone()[0]
        delivered = con.execute(
            "SELECT send_id FROM email_history WHERE status = 'opened' AND attachment_count > 0 "
            "ORDER BY requested_at DESC LIMIT 1"
        ).fetchone()[0]
    last_day = (incident + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    return {"session": session, "mail": mail, "contact": contact,
            "contact_mail": contact_mail, "delivered": delivered,
            "incident": f"start={incident}&end={last_day}"}  # fmt: skip


def shots(ids: dict[str, str]) -> list[Shot]:
    return [
        Shot("overview", "overview"),
        Shot("overview_en", "overview?lang=en"),
        Shot("sessions", f"sessions?session={ids['session']}&mail={ids['mail']}"),
        Shot("contacts", f"contacts?contact={ids['contact']}&mail={ids['contact_mail']}"),
        Shot("failed", "failed"),
        Shot("explore", f"explore?{ids['incident']}&status=undeliverable"),
        Shot("mail_detail_en", f"explore?lang=en&mail={ids['delivered']}"),
        Shot("data", "data"),
    ]


def _fit_viewport_to_content(page) -> None:
    """Streamlit scrolls inside its main section, so a full-page capture would stop at the
    window: grow the window to the content's height first."""
    height = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('[data-testid=stMain], "
        "[data-testid=stAppViewContainer]')].map(e => e.scrollHeight), 900)"
    )
    page.set_viewport_size({"width": 1440, "height": min(int(height) + 40, 6000)})
    page.wait_for_timeout(800)


@click.command()
@click.option(
    "--db", "db_path", type=click.Path(path_type=Path), default=ROOT / "data/mailtrail.duckdb"
)
@click.option(
    "--attachments",
    "attachments_dir",
    type=click.Path(path_type=Path),
    envvar="MAILTRAIL_ATTACHMENTS",
    default=ROOT / "data/attachments",
    show_default=True,
    help="Attachments folder of the demo (default: $MAILTRAIL_ATTACHMENTS or data/attachments).",
)
@click.option(
    "--out", "out_dir", type=click.Path(path_type=Path), default=ROOT / "docs/screenshots"
)
@click.option("--only", multiple=True, help="Take only these shots (by name).")
def main(db_path: Path, attachments_dir: Path, out_dir: Path, only: tuple[str, ...]) -> None:
    env = {
        "MAILTRAIL_DB": str(db_path.resolve()),
        "MAILTRAIL_ATTACHMENTS": str(attachments_dir.resolve()),
    }
    if not db_path.exists():
        subprocess.run(
            [sys.executable, "-m", "pipeline", "demo", "--db", str(db_path)],
            check=True, cwd=ROOT, env={**os.environ, **env},
        )  # fmt: skip
    out_dir.mkdir(parents=True, exist_ok=True)
    wanted = [s for s in shots(example_ids(db_path)) if not only or s.name in only]
    profile = out_dir / ".chromium-profile"
    with (
        streamlit_app("dashboard.py", env=env, timeout=120) as url,
        chromium_context(profile, width=1440, height=900) as context,
    ):
        page = context.new_page()
        for shot in wanted:
            page.goto(f"{url}/{shot.path}")
            page.wait_for_selector(shot.wait_for, timeout=60_000)
            wait_until_idle(page, settle_ms=1500, timeout_ms=120_000)
            page.wait_for_timeout(1500)  # charts and grids finish drawing after the run
            target = out_dir / f"{shot.name}.png"
            _fit_viewport_to_content(page)
            page.screenshot(path=str(target), full_page=True)
            page.set_viewport_size({"width": 1440, "height": 900})
            click.echo(f"{target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
    subprocess.run(["rm", "-rf", str(profile)], check=False)


if __name__ == "__main__":
    main()
