"""Shared fixtures (the in-process OpenRouter simulator, the real exporter process) and the
tier markers: every test is marked after the folder it lives in (see docs/testing.md)."""

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from openrouter_simulator import Scenario, Simulator
from tests.support.exporter import ExporterProcess, start_exporter

StartExporter = Callable[..., ExporterProcess]

TESTS = Path(__file__).parent
TIERS = ("unit", "process", "tools", "e2e")


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test with its tier, the folder under ``tests/`` it lives in.

    Under xdist every worker builds its own copy of a module-scoped fixture; tests that use the
    same module-scoped fixtures are grouped (``--dist loadgroup``) so that an expensive setup
    (a clone, a Prometheus) runs once. Tests using other sets of them go elsewhere, at the
    price of another copy: that spreads the longest modules over the workers.
    """
    for item in items:
        try:
            tier = item.path.relative_to(TESTS).parts[0]
        except ValueError:
            continue  # collected from outside tests/ (e.g. a doctest elsewhere): no tier
        if tier not in TIERS:
            raise pytest.UsageError(
                f"{item.nodeid}: tests live in a tier folder, one of tests/{{{','.join(TIERS)}}}/"
            )
        item.add_marker(tier)
        fixtures = _module_fixtures(item)
        if fixtures:
            module = item.nodeid.split("::")[0]
            item.add_marker(pytest.mark.xdist_group(f"{module}::{'+'.join(fixtures)}"))


def _module_fixtures(item: pytest.Item) -> list[str]:
    info = getattr(item, "_fixtureinfo", None)  # pytest's own record of what the test uses
    if info is None:
        return []
    return sorted(
        name
        for name, definitions in info.name2fixturedefs.items()
        if definitions and definitions[-1].scope in ("class", "module", "package")
    )


@pytest.fixture
def simulator() -> Iterator[Simulator]:
    """The demo scenario, frozen (speed 0) so that figures can be compared exactly."""
    sim = Simulator(Scenario.demo(), speed=0.0)
    sim.start("127.0.0.1", 0)
    yield sim
    sim.stop()


@pytest.fixture(scope="module")
def module_simulator() -> Iterator[Simulator]:
    """One demo simulator (speed 0) for a module whose tests do not change its state."""
    sim = Simulator(Scenario.demo(), speed=0.0)
    sim.start("127.0.0.1", 0)
    yield sim
    sim.stop()


def simulator_env(sim: Simulator, state_dir: Path, *, key: str = "management") -> dict[str, str]:
    """Environment for an exporter against ``sim``; ``key`` is management, inference or none."""
    env = {
        "OPENROUTER_BASE_URL": sim.base_url,
        "OPENROUTER_EXPORTER_POLL_INTERVAL": "1s",
        "OPENROUTER_EXPORTER_ACTIVITY_INTERVAL": "1s",
        # Off unless a test turns it on: with it, today's figures move the per-model
        # counters, which tests of /activity alone compare with its rows.
        "OPENROUTER_EXPORTER_ANALYTICS_INTERVAL": "0",
        # Off unless a test turns it on: workspaces, budgets and guardrails add endpoints.
        "OPENROUTER_EXPORTER_LIMITS_INTERVAL": "0",
        "OPENROUTER_EXPORTER_STATE_DIR": str(state_dir),
        "OPENROUTER_EXPORTER_LOG_LEVEL": "info",
    }
    if key == "management":
        env["OPENROUTER_MANAGEMENT_KEY"] = sim.management_key
    elif key == "inference":
        env["OPENROUTER_API_KEY"] = sim.inference_keys[0]
    return env


@pytest.fixture
def start(tmp_path: Path) -> Iterator[StartExporter]:
    """Start the exporter against a simulator; every process is stopped after the test."""
    started: list[ExporterProcess] = []

    def launch(
        sim: Simulator,
        *args: str,
        key: str = "management",
        env: Mapping[str, str] | None = None,
        state_dir: Path | None = None,
        wait_ready: bool = True,
    ) -> ExporterProcess:
        environment = simulator_env(sim, state_dir or tmp_path / "state", key=key)
        environment.update(env or {})
        exporter = start_exporter(
            args,
            environment,
            tmp_path / f"exporter-{len(started)}.log",
            wait_ready=wait_ready,
        )
        started.append(exporter)
        return exporter

    yield launch
    for exporter in started:
        exporter.kill()
