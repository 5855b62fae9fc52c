"""A bad configuration: every problem found, each with where it was written."""

from collections.abc import Sequence
from typing import NamedTuple

from openrouter_exporter.config.schema import redact


class ConfigProblem(NamedTuple):
    """One bad setting: where it was written, and what is wrong with it."""

    setting: str
    problem: str

    def __str__(self) -> str:
        return f"{self.setting}: {self.problem}"


class ConfigError(Exception):
    """Every bad setting found, one line each. Values are quoted to help, but anything shaped
    like a key is redacted first."""

    def __init__(self, problems: Sequence[ConfigProblem]) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = tuple(problems)


def config_error(setting: str, problem: str) -> ConfigError:
    return ConfigError([ConfigProblem(setting, redact(problem))])
