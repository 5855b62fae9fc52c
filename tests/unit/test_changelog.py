"""CHANGELOG.md keeps the Keep a Changelog shape the release steps rely on."""

import re
from pathlib import Path

CHANGELOG = Path(__file__).resolve().parents[2] / "CHANGELOG.md"
CHANGE_TYPES = {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}


def headings(level: int) -> list[str]:
    marker = "#" * level
    text = CHANGELOG.read_text(encoding="utf-8")
    return re.findall(rf"^{marker} (.+)$", text, re.M)


def test_newest_section_is_unreleased() -> None:
    assert headings(2)[0] == "[Unreleased]"


def test_every_release_heading_is_a_version_and_a_date() -> None:
    for heading in headings(2)[1:]:
        assert re.fullmatch(r"\[\d+\.\d+\.\d+\] - \d{4}-\d{2}-\d{2}", heading), heading


def test_changes_are_grouped_by_the_six_kinds_of_change() -> None:
    kinds = headings(3)
    assert kinds
    assert set(kinds) <= CHANGE_TYPES, set(kinds) - CHANGE_TYPES
