"""Docs that cannot drift: every CLI command is documented in README.md, and the Quickstart
holds exactly two command lines (install + main job, install + tests), the second being the
one CI runs."""

import re
from pathlib import Path

from typer.main import get_command

from pacte.cli import app

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def quickstart_block() -> list[str]:
    section = README.split("## Quickstart", 1)[1]
    block = re.search(r"```[a-z]*\n(.*?)```", section, re.S).group(1)
    return [line for line in block.splitlines() if line.strip()]


def test_every_command_is_documented():
    commands = sorted(get_command(app).commands)
    missing = [c for c in commands if f"pacte {c}" not in README]
    assert commands and missing == []


def test_quickstart_has_two_commands_main_job_then_tests():
    lines = quickstart_block()
    assert len(lines) == 2
    assert "pip install" in lines[0] and "pacte run" in lines[0]
    assert "pip install" in lines[1] and "pytest" in lines[1] and "ruff" in lines[1]


def test_ci_runs_the_readme_test_command():
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text(encoding="utf-8")
    assert "README.md" in ci and "sed -n 2p" in ci


ROOT = Path(__file__).resolve().parents[1]


def test_every_path_the_readme_names_exists():
    """A file or folder of the repository named in README.md (``src/…``, ``tests/…``,
    ``docs/…``, ``bench/…``, ``scripts/…``) exists."""
    named = set(re.findall(r"\b((?:src|tests|docs|bench|scripts)/[A-Za-z0-9_./-]*[A-Za-z0-9_/])",
                           README))
    missing = sorted(p for p in named if not (ROOT / p).exists())
    assert named and missing == []


def test_every_command_the_readme_names_exists():
    """Each ``pacte X`` (and ``pacte X Y`` for a command group) written in README.md is a
    command of the CLI: the guide never names a command that is gone."""
    root = get_command(app)
    named = set(re.findall(r"`pacte ([a-z][a-z-]*)(?: ([a-z][a-z-]*))?", README))
    unknown = []
    for cmd, sub in named:
        command = root.commands.get(cmd)
        if command is None:
            unknown.append(cmd)
        elif hasattr(command, "commands") and sub and sub not in command.commands:
            unknown.append(f"{cmd} {sub}")
    assert named and unknown == []
