"""Benchmark the demo-data generator: time, peak memory and output size for N mails.

    PYTHONPATH=. python bench/demo_scale.py 40000
    PYTHONPATH=. python bench/demo_scale.py 1000000 --out /tmp/demo-1m

Prints the wall and CPU time, the generation rate, the peak resident memory of the process
and the size of what was written. Not run by CI.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import time
from datetime import date
from pathlib import Path

from pipeline.demo import generate_demo


def _size(root: Path) -> tuple[int, int]:
    files = [p for p in root.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("emails", type=int, help="number of mails (send-log records)")
    parser.add_argument("--out", type=Path, default=Path("bench/out/demo"))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--today", type=date.fromisoformat, default=date(2026, 3, 18))
    parser.add_argument("--keep", action="store_true", help="keep the files afterwards")
    args = parser.parse_args()
    shutil.rmtree(args.out, ignore_errors=True)
    wall, cpu = time.perf_counter(), time.process_time()
    last = [wall]

    def progress(done: int) -> None:
        now = time.perf_counter()
        if now - last[0] >= 30:
            last[0] = now
            rate = done / (now - wall)
            print(f"  {done:>11,} mails  {now - wall:7.0f} s  {rate:8,.0f} mails/s", flush=True)

    result = generate_demo(
        args.out / "inputs",
        args.out / "attachments",
        emails=args.emails,
        seed=args.seed,
        today=args.today,
        progress=progress,
    )
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    n_files, n_bytes = _size(args.out)
    print(f"mails            {result.emails:,}")
    print(f"provider events  {result.provider_events:,}")
    print(f"wall time        {wall:.1f} s  ({result.emails / wall:,.0f} mails/s)")
    print(f"cpu time         {cpu:.1f} s")
    print(f"peak RSS         {peak_mb:,.0f} MB")
    print(f"written          {n_files:,} files, {n_bytes / 1e6:,.1f} MB")
    print(f"stories          {result.stories}")
    if not args.keep:
        shutil.rmtree(args.out, ignore_errors=True)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
