"""Command line: ``serve`` (the default), ``demo``, ``check``, ``simulator``, ``--check-config``.

Exit status 2 means a bad configuration: one line on stderr for each problem, naming where
the setting was written and what is wrong; never a secret.
"""

import argparse
import asyncio
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import structlog

from openrouter_exporter import __version__
from openrouter_exporter.app import Exporter, serve
from openrouter_exporter.config.catalogue import SETTINGS, SETTINGS_BY_KEY
from openrouter_exporter.config.errors import ConfigError
from openrouter_exporter.config.loader import load_config
from openrouter_exporter.config.sources import FlagValue
from openrouter_exporter.config.types import ExporterConfig
from openrouter_exporter.logsetup import configure_logging
from openrouter_exporter.polling.memory import limit_arenas
from openrouter_exporter.serving.listeners import ListenError
from openrouter_exporter.serving.web_config import WebConfig, load_web_config

EXIT_CONFIG = 2
# What demo mode uses where neither a flag nor a variable says otherwise: polls often
# enough that a drain is seen moving.
DEMO_DEFAULTS = {
    "poll_interval": "5s",
    "activity_interval": "1m",
    "analytics_interval": "30s",
    "account": "demo",
}
log = structlog.get_logger("openrouter_exporter.cli")


def _settings_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(add_help=False)
    group = parser.add_argument_group("settings (each also read from its environment variable)")
    for setting in SETTINGS:
        documented = f"{setting.help} [env {setting.env}; default {setting.documented_default}]"
        if setting.switch:
            group.add_argument(
                setting.flag,
                dest=setting.key,
                action="store_const",
                const="true",
                default=argparse.SUPPRESS,
                help=documented,
            )
        else:
            group.add_argument(
                setting.flag,
                dest=setting.key,
                action="append" if setting.repeatable else "store",
                default=argparse.SUPPRESS,
                metavar="VALUE",
                help=documented,
            )
        if setting.has_file_variant:
            group.add_argument(
                f"{setting.flag}-file",
                dest=f"{setting.key}_file",
                default=argparse.SUPPRESS,
                metavar="PATH",
                help=f"read the {setting.key.replace('_', ' ')} from a file "
                f"[env {setting.env}_FILE]",
            )
    parser.add_argument(
        "--check-config",
        action="store_true",
        default=argparse.SUPPRESS,
        help="validate the configuration, print a summary and exit",
    )
    return parser


def build_parser() -> argparse.ArgumentParser:
    common = _settings_parser()
    parser = argparse.ArgumentParser(
        prog="openrouter-exporter",
        description="Prometheus exporter for OpenRouter prepaid credits.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser(
        "serve", parents=[common], help="poll OpenRouter and serve /metrics (the default)"
    )
    demo = commands.add_parser(
        "demo",
        parents=[common],
        help="run the exporter against the built-in OpenRouter simulator",
    )
    demo.add_argument(
        "--demo.speed",
        dest="demo_speed",
        type=float,
        default=1.0,
        metavar="FACTOR",
        help="multiply the simulated spend rate, e.g. 1440 drains a day's budget per minute",
    )
    demo.add_argument(
        "--demo.scenario",
        dest="demo_scenario",
        choices=("demo", "small", "large"),
        default="demo",
        help="simulated account: demo (default), small (3 keys) or large (1,000 keys)",
    )
    commands.add_parser(
        "check",
        parents=[common],
        help="poll once and print how long the credits last; exit 0 fine, 1 warning, 2 critical",
    )
    commands.add_parser(
        "simulator", add_help=False, help="run the OpenRouter simulator alone (see its --help)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["simulator"]:
        from openrouter_simulator.cli import main as simulator_main

        return simulator_main(arguments[1:])
    limit_arenas()
    options = vars(build_parser().parse_args(arguments))
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
        return _report(error)
    if check_config:
        return _print_config_summary(config)
    configure_logging(config.log_format, config.log_level, config.secrets())
    if command == "check":
        from openrouter_exporter.check import run_check

        return asyncio.run(run_check(config))
    return _serve(config, web_config, warn=True)


def _report(error: ConfigError) -> int:
    for problem in error.problems:
        print(f"openrouter-exporter: configuration error: {problem}", file=sys.stderr)
    return EXIT_CONFIG


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

    simulator = Simulator(getattr(Scenario, scenario)(), speed=speed)
    api_url = simulator.start("127.0.0.1", 0)
    try:
        with tempfile.TemporaryDirectory(prefix="openrouter-exporter-demo-") as scratch:
            demo_flags["management_key"] = simulator.management_key
            demo_flags["base_url"] = api_url
            if not base.state_dir_explicit:
                demo_flags["state_dir"] = str(Path(scratch) / "state")
            config = load_config(demo_flags, environment)
            configure_logging(config.log_format, config.log_level, config.secrets())
            return _serve(
                config,
                web_config,
                warn=False,  # the simulator is not OpenRouter: short intervals are fine
                announce=lambda exporter: (
                    f"openrouter-exporter demo: metrics at {exporter.url}/metrics, simulated "
                    f"OpenRouter at {api_url} (state: {simulator.control_url}/state), "
                    f"speed x{speed:g}. Ctrl-C stops."
                ),
            )
    finally:
        simulator.stop()
