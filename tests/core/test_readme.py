"""The README lists every demo login the demo creates, and no file of the repository points at a
path outside it (issue 9, language: the README missed `supervisor`, `hr` and `auditor`; a plugin's
README linked to a folder next to the checkout)."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIPPED_DIRS = {".git", ".venv", "venv", "instance", "node_modules", "__pycache__", "vendor", "build", "dist"}
TEXT_SUFFIXES = {".md", ".py", ".html", ".toml", ".txt", ".cfg", ".ini", ".js", ".css", ".po", ".yml", ".yaml", ".sh"}
RELATIVE = re.compile(r"(?<![\w./])((?:\.\./)+[\w./-]*)")
ABSOLUTE = re.compile(r"(?<![\w.])(/work/|/home/|/root/|file://)[\w./-]*")


def _readme_logins() -> set[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("`make run` prints the demo logins", 1)[1].split("\n\n`", 1)[0]
    return set(re.findall(r"`([a-z][a-z0-9_]*)`", section))


def test_the_readme_lists_every_demo_login(app):
    from core.cli import load_demo_data
    from core.toolkit import DEMO_PASSWORD

    demo = {username for username, _password, _roles in load_demo_data().logins}
    listed = _readme_logins() - {DEMO_PASSWORD}
    assert demo - listed == set(), f"demo logins missing from README.md: {sorted(demo - listed)}"
    assert listed - demo == set(), f"README.md lists logins the demo does not create: {sorted(listed - demo)}"


def _files():
    for path in ROOT.rglob("*"):
        if any(part in SKIPPED_DIRS or part.endswith(".egg-info") for part in path.relative_to(ROOT).parts):
            continue
        if path == Path(__file__).resolve():
            continue  # its own patterns
        if path.is_file() and (path.suffix in TEXT_SUFFIXES or path.name in ("Makefile", "run")):
            yield path


def test_no_file_points_outside_the_repository():
    problems = []
    for path in _files():
        text = path.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            where = f"{path.relative_to(ROOT)}:{number}"
            for match in ABSOLUTE.finditer(line):
                problems.append(f"{where}: {match.group(0)}")
            for match in RELATIVE.finditer(line):
                target = (path.parent / match.group(1)).resolve()
                if ROOT not in target.parents and target != ROOT:
                    problems.append(f"{where}: {match.group(1)} leaves the repository")
    assert not problems, "\n".join(problems)
