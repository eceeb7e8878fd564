"""The user documentation covers every CLI command and option and every setting, and every file
or Python name it points to exists.

Commands and options are read from the click group itself and settings from `SETTINGS`, so a new
one fails here until README.md or a docs/*.md page explains it; a module that moves fails here
until the pages that name it follow.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import click

from pipeline.cli import main
from pipeline.settings import SETTINGS

ROOT = Path(__file__).resolve().parent.parent


def documentation() -> str:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    return "\n".join(page.read_text(encoding="utf-8") for page in pages)


def commands(group: click.Group) -> dict[str, click.Command]:
    """Every command under `group`, by the words a user types after `pipeline`."""
    found: dict[str, click.Command] = {}
    for name, command in group.commands.items():
        found[name] = command
        if isinstance(command, click.Group):
            found.update({f"{name} {sub}": cmd for sub, cmd in commands(command).items()})
    return found


def long_options(command: click.Command) -> list[str]:
    """The `--long` spellings of a command's options, negative flags (`--no-x`) included."""
    return [
        opt
        for param in command.params
        if isinstance(param, click.Option)
        for opt in (*param.opts, *param.secondary_opts)
        if opt.startswith("--")
    ]


def mentions(text: str, option: str) -> bool:
    """`option` appears as a whole word: `--complained` is not found inside `--not-complained`."""
    return re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", text) is not None


def test_every_cli_command_is_documented() -> None:
    found = commands(main)
    assert {"ingest", "watch", "demo", "export", "session-proof"} <= set(found)
    text = documentation()
    missing = [name for name in found if f"pipeline {name}" not in text]
    assert not missing, f"commands not in README.md or docs/*.md: {missing}"


def test_every_cli_option_is_documented() -> None:
    text = documentation()
    everything = {"(global)": main, **commands(main)}
    missing = [
        f"{name} {option}"
        for name, command in everything.items()
        for option in long_options(command)
        if not mentions(text, option)
    ]
    assert not missing, f"options not in README.md or docs/*.md: {missing}"


def test_every_setting_and_its_environment_variable_is_documented() -> None:
    text = documentation()
    missing = [
        f"{name} ({setting.env})" for name, setting in SETTINGS.items() if setting.env not in text
    ]
    assert not missing, f"settings not in README.md or docs/*.md: {missing}"


# Code the documentation names: `pipeline/ingest/files.py`, `pipeline.ingest.files.ingest_paths`.
CODE_PATH = re.compile(r"\b(?:pipeline|ui|pages|tests|bench|scripts)/[\w/]+\.(?:py|sql|toml)\b")
DOTTED_NAME = re.compile(r"\b(?:pipeline|ui)(?:\.[A-Za-z_]\w*)+")


def names_nothing(dotted: str) -> bool:
    """True when no module, or no attribute of the longest importable module, has this name."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attribute in parts[cut:]:
            if not hasattr(found, attribute):
                return True
            found = getattr(found, attribute)
        return False
    return True


def test_every_file_and_python_name_the_documentation_points_to_exists() -> None:
    text = documentation()
    missing = sorted({path for path in CODE_PATH.findall(text) if not (ROOT / path).exists()})
    missing += sorted({name for name in DOTTED_NAME.findall(text) if names_nothing(name)})
    assert missing == [], "the documentation names code that is not there: " + ", ".join(missing)


def test_a_renamed_module_or_function_is_seen_as_missing() -> None:
    assert names_nothing("pipeline.ingest_job.IngestJob")
    assert names_nothing("pipeline.ingest.files.no_such_function")
    assert not names_nothing("pipeline.ingest.job.IngestJob")
