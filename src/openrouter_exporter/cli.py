"""Command line: ``serve`` (the default), ``demo``, ``check``, ``simulator``, ``--check-config``.

Exit status 2 means a bad configuration or command line: one line on stderr for each
problem, naming where the setting was written and what is wrong; never a secret. ``check``
exits as a monitoring plugin does (see :mod:`openrouter_exporter.check`): 3, UNKNOWN, there.
"""

import asyncio
import os
import shlex
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import structlog

from openrouter_exporter.app import Exporter, serve
from openrouter_exporter.config.catalogue import SETTINGS_BY_KEY
from openrouter_exporter.config.errors import ConfigError
from openrouter_exporter.config.loader import load_config
from openrouter_exporter.config.schema import Budget
from openrouter_exporter.config.sources import FlagValue
from openrouter_exporter.config.types import ExporterConfig
from openrouter_exporter.core.budget_periods import period_bounds
from openrouter_exporter.logsetup import configure_logging
from openrouter_exporter.options import UsageError, build_parser, unknown_option
from openrouter_exporter.polling.memory import configure_allocator
from openrouter_exporter.serving.listeners import ListenError
from openrouter_exporter.serving.web_config import WebConfig, load_web_config

EXIT_CONFIG = 2
EXIT_CHECK_UNKNOWN = 3  # a monitoring plugin's UNKNOWN: ``check`` cannot tell
CHECK_LOG_LEVEL = "warning"
# What demo mode uses where neither a flag nor a variable says otherwise: polls often
# enough that a drain is seen moving.
DEMO_DEFAULTS = {
    "poll_interval": "5s",
    "activity_interval": "1m",
    "analytics_interval": "30s",
    "limits_interval": "30s",
    "account": "demo",
}
log = structlog.get_logger("openrouter_exporter.cli")


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["simulator"]:
        from openrouter_simulator.cli import main as simulator_main

        return simulator_main(arguments[1:])
    if arguments[:1] == ["mixin"]:
        from mixin.command import main as mixin_main

        return mixin_main(arguments[1:])
    configure_allocator()
    parser = build_parser()
    usage_status = EXIT_CHECK_UNKNOWN if "check" in arguments else EXIT_CONFIG
    problem = unknown_option(arguments)
    try:
        if problem is None:
            options = vars(parser.parse_args(arguments))
    except UsageError as error:
        problem = str(error)
    if problem is not None:
        print(f"openrouter-exporter: {problem}", file=sys.stderr)
        print("Run 'openrouter-exporter --help' for the options.", file=sys.stderr)
        return usage_status
    command = options.pop("command", None) or "serve"
    check_config = bool(options.pop("check_config", False))
    demo_speed = float(options.pop("demo_speed", 1.0))
    demo_scenario = str(options.pop("demo_scenario", "demo"))
    flags: dict[str, FlagValue] = {
        key: value if isinstance(value, list) else str(value) for key, value in options.items()
    }

    if command == "demo":
        return _demo(flags, demo_speed, demo_scenario, check_config)
    try:
        config = load_config(flags)
        web_config = load_web_config(config.web_config_file)
    except ConfigError as error:
        return _report(error, EXIT_CHECK_UNKNOWN if command == "check" else EXIT_CONFIG)
    if check_config:
        return _print_config_summary(config)
    if command == "check":
        return _check(
            config,
            explicit_level="log_level" in flags
            or bool(os.environ.get(SETTINGS_BY_KEY["log_level"].env)),
        )
    configure_logging(config.log_format, config.log_level, config.secrets())
    return _serve(config, web_config, warn=True)


def _check(config: ExporterConfig, *, explicit_level: bool) -> int:
    """``check`` reports on stdout; its log says only warnings and errors unless asked."""
    from openrouter_exporter.check import run_check

    level = config.log_level if explicit_level else CHECK_LOG_LEVEL
    configure_logging(config.log_format, level, config.secrets())
    return asyncio.run(run_check(config))


def _report(error: ConfigError, status: int = EXIT_CONFIG) -> int:
    for problem in error.problems:
        print(f"openrouter-exporter: configuration error: {problem}", file=sys.stderr)
    return status


def _serve(
    config: ExporterConfig,
    web_config: WebConfig,
    *,
    warn: bool,
    announce: Callable[[Exporter], str] | None = None,
) -> int:
    if warn:
        for warning in config.warnings():
            log.warning(warning)
    try:
        exporter = Exporter(config, web_config)
    except ListenError as error:
        log.error(str(error), setting=error.setting)
        return 1
    if announce is not None:
        print(announce(exporter), file=sys.stderr, flush=True)
    asyncio.run(serve(exporter))
    return 0


def _print_config_summary(config: ExporterConfig) -> int:
    summary = config.describe()
    print(f"configuration OK: {len(config.accounts)} account(s)")
    for account in summary["accounts"]:
        print(
            f"  account {account['name']}: management key {account['management_key']}, "
            f"inference key {account['api_key']}, base URL {account['base_url']}"
        )
    listen = ", ".join(summary["listen_addresses"])
    print(f"  listen on {listen}, state dir {summary['state_dir']}")
    for warning in config.warnings():
        print(f"  warning: {warning}")
    return 0


def _with_demo_budgets(config: ExporterConfig, daily_rate: float) -> ExporterConfig:
    """Three budgets on the demo account, from the scenario's mean spend a day: one
    comfortable, one whose spend is under its amount but forecast over it, one exceeded
    (a quarter reaching back before the history, so also partial; not yet exceeded in a
    quarter's first two days)."""
    now = time.time()
    start, end = period_bounds("monthly", now)
    elapsed, left = (now - start) / 86400, (end - now) / 86400
    budgets = (
        Budget(name="comfortable", amount_usd=round(daily_rate * 62, 2), period="monthly"),
        Budget(
            name="forecast-over",
            amount_usd=round(daily_rate * (elapsed + left / 2), 2),
            period="monthly",
        ),
        Budget(name="exceeded", amount_usd=round(daily_rate * 2, 2), period="quarterly"),
    )
    return replace(config, accounts=tuple(replace(a, budgets=budgets) for a in config.accounts))


def _this_program() -> list[str]:
    """How this program was started, to be started again the same way: the script as typed
    (``openrouter-exporter``, ``.venv/bin/openrouter-exporter``), else ``python -m``."""
    started = sys.argv[0] if sys.argv else ""
    if Path(started).name == "openrouter-exporter":
        return [started]
    return [sys.executable, "-m", "openrouter_exporter"]


def _demo_banner(
    exporter: Exporter, api_url: str, speed: float, check: str, control_url: str
) -> str:
    """The demo's first words: where to look, and a ``check`` that works against it (the
    simulator's key is read from a file, so that it never appears in the output)."""
    return (
        f"openrouter-exporter demo, speed x{speed:g}: simulated OpenRouter at {api_url} "
        f"(its state: {control_url}/state).\n"
        f"  Status page: {exporter.url}/\n"
        f"  Metrics:     {exporter.url}{exporter.config.telemetry_path}\n"
        f"  Check it (while the demo runs):\n    {check}\n"
        "Ctrl-C stops."
    )


def _demo(flags: dict[str, FlagValue], speed: float, scenario: str, check_config: bool) -> int:
    from openrouter_simulator import Scenario, Simulator

    demo_flags = dict(flags)
    for key in ("config_file", "management_key", "api_key", "base_url"):
        demo_flags.pop(key, None)
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("OPENROUTER_") or key.startswith("OPENROUTER_EXPORTER_")
    }
    environment.pop("OPENROUTER_EXPORTER_CONFIG", None)
    for key, value in DEMO_DEFAULTS.items():
        if not environment.get(SETTINGS_BY_KEY[key].env):
            environment[SETTINGS_BY_KEY[key].env] = value
    try:
        base = load_config(demo_flags, environment, require_key=False)
        web_config = load_web_config(base.web_config_file)
    except ConfigError as error:
        return _report(error)
    if check_config:
        return _print_config_summary(base)

    simulated = getattr(Scenario, scenario)()
    simulator = Simulator(simulated, speed=speed)
    api_url = simulator.start("127.0.0.1", 0)
    try:
        with tempfile.TemporaryDirectory(prefix="openrouter-exporter-demo-") as scratch:
            key_file = Path(scratch) / "management-key"
            key_file.touch(mode=0o600)
            key_file.write_text(simulator.management_key, encoding="utf-8")
            demo_flags["management_key"] = simulator.management_key
            demo_flags["base_url"] = api_url
            if not base.state_dir_explicit:
                demo_flags["state_dir"] = str(Path(scratch) / "state")
            config = _with_demo_budgets(load_config(demo_flags, environment), simulated.daily_rate)
            configure_logging(config.log_format, config.log_level, config.secrets())
            check = shlex.join(
                [
                    *_this_program(),
                    "check",
                    f"--openrouter.base-url={api_url}",
                    f"--openrouter.management-key-file={key_file}",
                    f"--openrouter.account={config.accounts[0].name}",
                    f"--state.dir={Path(scratch) / 'check-state'}",
                ]
            )
            return _serve(
                config,
                web_config,
                warn=False,  # the simulator is not OpenRouter: short intervals are fine
                announce=lambda exporter: _demo_banner(
                    exporter, api_url, speed, check, simulator.control_url
                ),
            )
    finally:
        simulator.stop()
