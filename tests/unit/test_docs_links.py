"""Every link of the documentation resolves: relative links to files that exist and to
headings they have, and no address of a repository that does not exist anywhere."""

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCUMENTS = sorted(
    [
        REPO / "README.md",
        REPO / "alerts" / "README.md",
        REPO / "bench" / "README.md",
        *(REPO / "docs").glob("*.md"),
    ]
)
#: Where links and addresses are shipped: documents, deployment files, rules, dashboards.
SHIPPED = ("README.md", "pyproject.toml", "docs", "deploy", "alerts", "grafana", "mixin", "src")
#: The home this project never had; spelled in two parts so this file does not hold it.
MADE_UP_HOME = "github.com/" + "openrouter-exporter"
_LINK = re.compile(r"\]\(([^)\s]+)\)")
_FENCE = re.compile(r"^```.*?^```", re.M | re.S)


def slug(heading: str) -> str:
    """The anchor a forge gives a heading: lower case, punctuation dropped, spaces to ``-``."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(document: Path) -> set[str]:
    text = _FENCE.sub("", document.read_text(encoding="utf-8"))
    return {slug(h) for h in re.findall(r"^#{1,6} (.+)$", text, re.M)}


def relative_links(document: Path) -> list[str]:
    text = _FENCE.sub("", document.read_text(encoding="utf-8"))
    return [link for link in _LINK.findall(text) if not re.match(r"[a-z]+:", link)]


def broken(document: Path, link: str) -> bool:
    path, _, anchor = link.partition("#")
    target = (document.parent / path).resolve() if path else document
    if not target.exists():
        return True
    return bool(anchor) and target.suffix == ".md" and anchor not in anchors(target)


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda d: str(d.relative_to(REPO)))
def test_every_relative_link_reaches_a_file_and_its_heading(document: Path) -> None:
    assert [link for link in relative_links(document) if broken(document, link)] == []


def test_slug_is_the_anchor_a_forge_makes() -> None:
    assert slug("`check`: the forecast in a terminal") == "check-the-forecast-in-a-terminal"
    assert slug("Kubernetes (kustomize, Prometheus Operator)") == (
        "kubernetes-kustomize-prometheus-operator"
    )


def shipped_files() -> list[Path]:
    files: list[Path] = []
    for name in SHIPPED:
        path = REPO / name
        files += [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return [file for file in files if "__pycache__" not in file.parts]


def test_nothing_shipped_points_at_a_repository_that_does_not_exist() -> None:
    naming = [
        str(file.relative_to(REPO))
        for file in shipped_files()
        if MADE_UP_HOME in file.read_bytes().decode("utf-8", errors="replace")
    ]
    assert naming == []
