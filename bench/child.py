"""The child side of bench.process: `python -m bench.child STEP ARGS_JSON RESULT_JSON`.

Runs one step function with the arguments of ARGS_JSON and writes RESULT_JSON: its result (or
the error), its own work time, its CPU time and its peak resident memory (VmHWM). Steps are
imported only when run, so a child loads nothing it does not measure.
"""

from __future__ import annotations

import importlib
import json
import resource
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from bench.process import peak_rss_mb

# step name → "module:function"; each function takes the ARGS_JSON keys and returns JSON values.
STEPS = {
    "generate": "bench.inputs:generate",
    "cli": "bench.child:pipeline_cli",
    "floor": "bench.loads:duckdb_floor",
    "peer": "bench.loads:pandas_peer",
    "queries": "bench.queries:run_queries",
    "pages": "bench.pages:drive_pages",
}


def pipeline_cli(argv: list[str]) -> dict[str, Any]:
    """`python -m pipeline ARGV…` in this process: its exit code (1: a file refused whole)."""
    from pipeline.cli import main as cli

    code: object = 0
    try:
        cli(argv, prog_name="pipeline")
    except SystemExit as e:
        code = e.code
    return {"exit_code": code if isinstance(code, int) else (0 if code is None else 1)}


def main(argv: list[str]) -> int:
    step, args_path, result_path = argv
    args = json.loads(Path(args_path).read_text(encoding="utf-8"))
    module_name, function_name = STEPS[step].split(":")
    outcome: dict[str, Any] = {"result": None, "error": None}
    started = time.perf_counter()
    try:
        function = getattr(importlib.import_module(module_name), function_name)
        started = time.perf_counter()
        outcome["result"] = function(**args)
    except BaseException:  # a step's failure is reported to the parent, whatever it was
        outcome["error"] = traceback.format_exc()
    outcome["work_s"] = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF)
    waited = resource.getrusage(resource.RUSAGE_CHILDREN)
    outcome["cpu_s"] = own.ru_utime + own.ru_stime + waited.ru_utime + waited.ru_stime
    outcome["peak_rss_mb"] = peak_rss_mb()
    pipeline = sys.modules.get("pipeline")
    where = getattr(pipeline, "__file__", None)
    outcome["pipeline_package"] = str(Path(where).parent) if where else None
    Path(result_path).write_text(json.dumps(outcome, default=str), encoding="utf-8")
    return 1 if outcome["error"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
