"""The code stays readable in pieces: no module over 400 lines and no function over 60 lines
under ``src/`` (``mixin/``'s declarative tables are outside it; the layers and the absence
of import cycles are ``lint-imports``' job, see ``[tool.importlinter]``)."""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
MODULES = sorted(SRC.rglob("*.py"))


def _name(path: Path) -> str:
    return str(path.relative_to(SRC))


def too_long_functions(source: str) -> list[str]:
    """Each function (methods and nested ones too) longer than the limit, with its length."""
    return sorted(
        f"{node.name} (line {node.lineno}): {length} lines"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and (length := (node.end_lineno or node.lineno) - node.lineno + 1) > MAX_FUNCTION_LINES
    )


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_no_module_is_over_400_lines(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())

    assert lines <= MAX_MODULE_LINES, f"{_name(path)} has {lines} lines: split it along its jobs"


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_no_function_is_over_60_lines(path: Path) -> None:
    assert not too_long_functions(path.read_text(encoding="utf-8")), _name(path)


def test_a_method_one_line_over_the_limit_is_found() -> None:
    body = "".join(f"        x{i} = {i}\n" for i in range(MAX_FUNCTION_LINES))
    source = f"class A:\n    def fits(self) -> None:\n{body[: body.rindex('        x')]}"
    source += f"    async def long(self) -> None:\n{body}"

    assert too_long_functions(source) == ["long (line 62): 61 lines"]


def test_the_limits_see_every_package_under_src() -> None:
    packages = {path.relative_to(SRC).parts[0] for path in MODULES}

    assert packages == {"openrouter_exporter", "openrouter_simulator"}
