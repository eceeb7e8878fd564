"""Run one benchmark step in a child process of its own and read back what it measured.

A step runs as `python -m bench.child STEP ARGS RESULT` with the project root first on
sys.path, so the code measured is this checkout's, its peak resident memory (VmHWM, which exec
resets) and CPU time are the step's alone, and a step that overruns its time is killed with its
whole process group. The parent only starts, waits and reads; it never measures itself.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


class StepFailed(RuntimeError):
    """A step exited with an error, or overran its time; the message names its log."""


@dataclass(frozen=True)
class Measured:
    """What one step took, as the parent saw it (wall) and as the child counted itself."""

    step: str
    wall_s: float  # from the start of the child to its exit, interpreter start included
    work_s: float  # the step's own work inside the child, imports excluded
    cpu_s: float  # user + system time of the child (and of any process it waited for)
    peak_rss_mb: float  # the child's VmHWM
    result: Any
    log: Path


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a child: this checkout first on sys.path (the shared venv's editable
    install may point at another one)."""
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, **(extra or {}), "PYTHONPATH": path}


def run_step(
    step: str,
    args: dict[str, Any],
    work: Path,
    *,
    timeout: float,
    name: str | None = None,
    while_running: Callable[[], None] | None = None,
    env: dict[str, str] | None = None,
) -> Measured:
    """Run `step` (a name of bench.child.STEPS) with `args` in a child; its measurements.

    `while_running` is called every few milliseconds until the child exits (a poller).
    Raises StepFailed when the child fails or is still running after `timeout` seconds.
    """
    name = name or step
    folder = work / "steps"
    folder.mkdir(parents=True, exist_ok=True)
    args_path, result_path, log = (folder / f"{name}.{kind}" for kind in ("args", "json", "log"))
    args_path.write_text(json.dumps(args, default=str), encoding="utf-8")
    result_path.unlink(missing_ok=True)
    command = [sys.executable, "-m", "bench.child", step, str(args_path), str(result_path)]
    with open(log, "wb") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(
            command, cwd=ROOT, env=child_env(env), stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        try:
            _wait(proc, started + timeout, while_running)
        finally:
            stop_group(proc)
        wall = time.perf_counter() - started
    if not result_path.exists():
        raise StepFailed(f"{name}: no result (exit {proc.returncode}); see {log}")
    outcome = json.loads(result_path.read_text(encoding="utf-8"))
    if outcome.get("error"):
        raise StepFailed(f"{name} failed; see {log}\n{outcome['error']}")
    package = outcome.get("pipeline_package")
    if package and Path(package) != ROOT / "pipeline":
        raise StepFailed(f"{name} measured the pipeline of {package}, not of {ROOT}")
    return Measured(
        step=name,
        wall_s=wall,
        work_s=outcome["work_s"],
        cpu_s=outcome["cpu_s"],
        peak_rss_mb=outcome["peak_rss_mb"],
        result=outcome["result"],
        log=log,
    )


def _wait(proc: subprocess.Popen, deadline: float, poll: Callable[[], None] | None) -> None:
    while proc.poll() is None:
        if time.perf_counter() > deadline:
            raise StepFailed(f"step overran its time: {proc.args!r}")
        if poll is not None:
            poll()
            time.sleep(0.02)
        else:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=0.2)


def stop_group(proc: subprocess.Popen, grace: float = 10) -> None:
    """End a child started with start_new_session, and everything it started, if still there."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    # A grandchild that outlived its parent (a browser) still has the group's id.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def peak_rss_mb(pid: int | str = "self") -> float:
    """VmHWM of a process (MB): the most resident memory it has used."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")
