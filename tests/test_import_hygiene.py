"""The failure-knowledge modules are plain Python: importing them never pulls in Streamlit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

MODULES = [
    "pipeline.statuses",
    "pipeline.i18n",
    "pipeline.bounce_rules",
    "pipeline.guidance",
    "pipeline.typos",
]


def test_importing_the_knowledge_modules_does_not_import_streamlit() -> None:
    code = (
        "import importlib, sys\n"
        f"for name in {MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "leaked = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'streamlit', 'st_aggrid', 'plotly', 'ui'})\n"
        "print(','.join(leaked))\n"
    )
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": path},
    )
    assert result.stdout.strip() == ""
