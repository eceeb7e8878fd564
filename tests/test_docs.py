"""The user documentation covers every CLI command and option and every setting.

Commands and options are read from the click group itself and settings from `SETTINGS`, so a new
one fails here until README.md or a docs/*.md page explains it.
"""

from __future__ import annotations

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
