"""Markdown tables and the machine the figures came from."""

import math
import os
import platform
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Machine:
    cpu: str
    cores: int
    usable_cores: int
    memory_gib: float
    python: str
    kernel: str

    def describe(self) -> str:
        return (
            f"{self.cpu}, {self.cores} cores ({self.usable_cores} usable), "
            f"{self.memory_gib:.0f} GiB RAM, Linux {self.kernel}, "
            f"{platform.python_implementation()} {self.python}"
        )


def _proc_field(path: str, name: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as source:
            for line in source:
                key, _, value = line.partition(":")
                if key.strip() == name:
                    return value.strip()
    except OSError:
        pass
    return ""


def machine() -> Machine:
    memory = _proc_field("/proc/meminfo", "MemTotal").split()
    return Machine(
        cpu=_proc_field("/proc/cpuinfo", "model name") or platform.processor() or "unknown CPU",
        cores=os.cpu_count() or 0,
        usable_cores=len(os.sched_getaffinity(0)),
        memory_gib=int(memory[0]) / 2**20 if memory else 0.0,
        python=platform.python_version(),
        kernel=platform.release(),
    )


def number(value: float | None, digits: int = 1) -> str:
    """A figure for a table cell: thousands separated, ``-`` when unknown."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if digits == 0:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [len(item) for item in header]
    for row in rows:
        widths = [max(width, len(cell)) for width, cell in zip(widths, row, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return (
            "| " + " | ".join(cell.ljust(w) for cell, w in zip(cells, widths, strict=True)) + " |"
        )

    rule = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
    return "\n".join([line(header), rule, *(line(row) for row in rows)])
