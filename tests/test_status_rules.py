"""The status rules of DESIGN.md, through the real pipeline: each rule, and the properties that the
status depends only on the set of events, whatever their order and split into files."""

from __future__ import annotations

import json
import random
import tempfile
from pathlib import Path

import duckdb
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from pipeline.ingest.files import ingest_paths
from pipeline.settings import Settings
from pipeline.store import open_writer

MESSAGE_ID = "<202601051000.42@smtp-relay.mailin.fr>"
RECIPIENT = "lea.petit@free.fr"
T0 = 1_767_600_000  # 2026-01-05 08:00 UTC

# Brevo event name → what DESIGN.md's vocabulary makes of it (event, bounce kind).
BREVO = {
    "request": ("accepted", None),
    "deferred": ("deferred", None),
    "soft_bounce": ("bounced", "soft"),
    "delivered": ("delivered", None),
    "hard_bounce": ("bounced", "hard"),
    "blocked": ("rejected", None),
    "invalid_email": ("rejected", None),
    "error": ("failed", None),
    "spam": ("complained", None),
    "unsubscribed": ("unsubscribed", None),
    "opened": ("opened", None),
    "proxy_open": ("opened", None),
    "click": ("clicked", None),
}


def brevo_line(name: str, second: int) -> str:
    return json.dumps(
        {
            "event": name,
            "email": RECIPIENT,
            "message-id": MESSAGE_ID,
            "ts_epoch": (T0 + second) * 1000,
        }
    )


def send_log_line() -> str:
    return (
        "send_id,requested_at,provider,provider_message_id,recipient_email\n"
        f"S-1,2026-01-05T08:00:00Z,brevo,{MESSAGE_ID},{RECIPIENT}\n"
    )


def status_after(folder: Path, files: list[list[str]], with_send_log: bool = True) -> str:
    """Ingest each list of events as its own file, in order; the mail's status."""
    paths = []
    if with_send_log:
        paths.append(folder / "sends.csv")
        paths[-1].write_text(send_log_line())
    for i, lines in enumerate(files):
        path = folder / f"events-{i}.jsonl"
        path.write_text("\n".join(lines) + "\n")
        paths.append(path)
    config = Settings.from_env(environ={}, db_path=folder / "m.duckdb")
    for path in paths:  # one ingest per file, as files arriving one by one
        ingest_paths([path], config)
    con = duckdb.connect(str(config.db_path), read_only=True)
    try:
        rows = con.execute("SELECT status FROM email_history").fetchall()
    finally:
        con.close()
    assert len(rows) == 1, rows
    return rows[0][0]


def expected_status(events: list[tuple[str, int]]) -> set[str]:
    """DESIGN.md's rules, written independently as the test's oracle (a set: exact ties
    between two different failures may go either way)."""
    vocab = [(BREVO[name], second) for name, second in events]
    if any(e in ("opened", "clicked") for (e, _), _ in vocab):
        return {"opened"}
    outcomes = []
    for (event, kind), second in vocab:
        if event in ("delivered", "complained", "unsubscribed"):
            outcomes.append((second, 0, "delivered"))
        elif (event == "bounced" and kind == "hard") or event == "blocked":
            outcomes.append((second, 1, "undeliverable"))
        elif event in ("rejected", "failed"):
            outcomes.append((second, 1, "send_error"))
    if outcomes:
        top = max(o[:2] for o in outcomes)
        return {o[2] for o in outcomes if o[:2] == top}
    if any(event in ("accepted", "deferred", "bounced") for (event, _), _ in vocab):
        return {"sent"}
    return {"requested"}


def run(events: list[tuple[str, int]], splits: int = 1, **kwargs) -> str:
    lines = [brevo_line(name, second) for name, second in events]
    chunks = [lines[i::splits] for i in range(splits)]
    with tempfile.TemporaryDirectory() as folder:
        return status_after(Path(folder), [c for c in chunks if c], **kwargs)


def test_no_provider_event_means_requested() -> None:
    with tempfile.TemporaryDirectory() as folder:
        assert status_after(Path(folder), []) == "requested"


def test_accepted_deferred_and_soft_bounced_mails_are_sent() -> None:
    assert run([("request", 0), ("deferred", 60), ("soft_bounce", 120)]) == "sent"


def test_delivered_mail_is_delivered() -> None:
    assert run([("request", 0), ("delivered", 5)]) == "delivered"


def test_async_bounce_after_delivery_makes_mail_undeliverable() -> None:
    assert run([("request", 0), ("delivered", 5), ("hard_bounce", 3600)]) == "undeliverable"


def test_a_delivery_after_an_earlier_bounce_replaces_it() -> None:
    assert run([("hard_bounce", 5), ("delivered", 600)]) == "delivered"


def test_at_the_same_instant_a_failure_outranks_a_delivery() -> None:
    assert run([("delivered", 5), ("hard_bounce", 5)]) == "undeliverable"
    assert run([("error", 5), ("delivered", 5)]) == "send_error"


def test_an_open_proves_receipt_even_after_a_bounce() -> None:
    assert run([("hard_bounce", 5), ("opened", 900)]) == "opened"
    assert run([("click", 5), ("blocked", 900)]) == "opened"


def test_a_machine_open_still_proves_receipt() -> None:
    assert run([("request", 0), ("proxy_open", 10)]) == "opened"


def test_complaints_and_unsubscribes_prove_delivery() -> None:
    assert run([("request", 0), ("spam", 100)]) == "delivered"
    assert run([("request", 0), ("unsubscribed", 100)]) == "delivered"


def test_provider_refusals_are_send_errors() -> None:
    assert run([("invalid_email", 1)]) == "send_error"
    assert run([("blocked", 1)]) == "send_error"
    assert run([("error", 1)]) == "send_error"


def test_events_without_send_log_still_get_a_status() -> None:
    assert run([("request", 0), ("delivered", 5)], with_send_log=False) == "delivered"


event_sets = st.lists(
    st.tuples(st.sampled_from(sorted(BREVO)), st.integers(min_value=0, max_value=6)),
    min_size=1,
    max_size=7,
)


@hsettings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events=event_sets, seed=st.integers(0, 10_000), splits=st.integers(1, 3))
def test_status_depends_only_on_the_set_of_events(events, seed, splits) -> None:
    shuffled = list(events)
    random.Random(seed).shuffle(shuffled)
    in_order = run(events)
    assert in_order in expected_status(events)
    assert run(shuffled, splits=splits) == in_order


def test_refresh_recomputes_only_the_mails_an_ingest_touched(tmp_path) -> None:
    config = Settings.from_env(environ={}, db_path=tmp_path / "m.duckdb")
    first = tmp_path / "a.jsonl"
    first.write_text(brevo_line("delivered", 1) + "\n")
    ingest_paths([first], config)
    # Mark the existing mail with a status its events cannot give it (the store refuses a status
    # outside the vocabulary): a full recompute would turn it back into `delivered`.
    with open_writer(config) as writer:
        writer.con.execute("UPDATE mail_status SET status = 'send_error'")
    other = tmp_path / "b.jsonl"
    other.write_text(
        json.dumps(
            {
                "event": "request",
                "email": "x@y.fr",
                "message-id": "<other@x>",
                "ts_epoch": T0 * 1000,
            }
        )
        + "\n"
    )
    (report,) = ingest_paths([other], config)
    assert report.mails_changed == 1
    con = duckdb.connect(str(config.db_path), read_only=True)
    statuses = sorted(r[0] for r in con.execute("SELECT status FROM email_history").fetchall())
    con.close()
    assert statuses == ["send_error", "sent"]
