"""Files the mixin generates, and writing or checking them against the repository."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from mixin.config import MixinConfig

REPO_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class GeneratedFile:
    """One generated file: its path relative to the repository root and its text."""

    path: Path
    text: str

    def stale(self, root: Path = REPO_ROOT) -> bool:
        """Whether the file under ``root`` is missing or differs from the generated text."""
        target = root / self.path
        return not target.is_file() or target.read_text(encoding="utf-8") != self.text

    def write(self, root: Path = REPO_ROOT) -> bool:
        """Write the file under ``root`` when it is stale; return whether it was written."""
        if not self.stale(root):
            return False
        target = root / self.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(self.text, encoding="utf-8")
        return True


#: A generator: every file it produces from one configuration.
Generator = Callable[[MixinConfig], Iterable[GeneratedFile]]
