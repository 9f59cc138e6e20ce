"""Docs that cannot go stale: the README shows each command's help as the program
prints it, and names every command of the contract."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from aggregator.cli import main

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
COMMANDS = ["run", "fetch", "publish", "serve", "sources", "check", "import-opml", "stories",
            "backup"]


@pytest.mark.parametrize("command", COMMANDS)
def test_readme_shows_the_help_of(command: str) -> None:
    result = CliRunner().invoke(main, [command, "--help"], prog_name="aggregator",
                                terminal_width=80)
    assert result.exit_code == 0
    usage_and_description = result.output.split("\nOptions:")[0].rstrip()
    assert usage_and_description in README, (
        f"README.md is out of date for `aggregator {command}`; it should contain:\n"
        f"{usage_and_description}")


@pytest.mark.parametrize("command", COMMANDS)
def test_readme_command_table_lists(command: str) -> None:
    assert re.search(rf"^\| `aggregator {command}[ `]", README, re.MULTILINE)


def test_readme_has_the_two_commands() -> None:
    assert "make run" in README and "make test" in README
