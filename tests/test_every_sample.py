"""Every real provider payload under tests/data/provider_samples (a copy of the shared samples)
ingests on its own without a fatal error: every record read is loaded, a duplicate, or refused with
a reason; a text kept exactly as the provider published it (`_as_published/`, not valid JSON) may
instead be refused as a whole, with a reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.ingest.files import ingest_paths
from pipeline.settings import Settings
from tests.conftest import SAMPLES

SAMPLE_FILES = sorted(
    p.relative_to(SAMPLES).as_posix()
    for p in SAMPLES.rglob("*")
    if p.is_file() and p.suffix in {".json", ".jsonl", ".csv", ".txt"}
)


def test_the_copy_holds_every_shared_sample() -> None:
    shared = Path(__file__).resolve().parents[2] / "shared" / "provider-samples"
    if not shared.is_dir():  # a clean clone in CI has only the copy
        assert len(SAMPLE_FILES) >= 150
        return
    wanted = {
        p.relative_to(shared).as_posix()
        for p in shared.rglob("*")
        if p.is_file() and p.suffix != ".md"
    }
    assert wanted <= set(SAMPLE_FILES)


@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_each_sample_ingests_alone_without_a_fatal_error(name: str, tmp_path: Path) -> None:
    config = Settings.from_env(environ={}, db_path=tmp_path / "m.duckdb")
    csv_export = name.startswith("csv_exports/")
    [report] = ingest_paths([SAMPLES / name], config)
    if "/_as_published/" in name and report.status == "refused":
        assert report.message, report
    elif csv_export and report.status == "refused":
        # console exports of providers without a built-in reader need a column mapping
        assert "--mapping" in (report.message or ""), report
    else:
        assert report.status == "completed", report
        # every record read is accounted for: loaded, duplicate or refused with its reason
        # (a few trimmed test payloads carry no event time at all and are refused for it)
        assert report.records_read > 0, report
        assert report.records_read == (
            report.records_loaded + report.records_duplicate + report.records_rejected
        ), report
