"""The command line's grammar: commands, flags grouped by what they set, typed placeholders,
examples, and an unknown option reported by name with the closest known one.

Adding a subcommand: a :class:`Command` in :data:`COMMANDS` (its help, the settings it does
not use, and its own options as :class:`Option` entries, which the unknown-option check then
knows too), and its branch in :func:`openrouter_exporter.cli.main`.
"""

import argparse
import difflib
import shutil
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from openrouter_exporter import __version__
from openrouter_exporter.config.catalogue import SETTINGS


class UsageError(Exception):
    """A command line argparse cannot read: said in one line, with no usage dump."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


# Flag groups by the flag's prefix (a setting added later lands in its prefix's group).
GROUPS = (
    ("OpenRouter", ("--openrouter.",)),
    ("polling", ("--poll.", "--analytics.")),
    ("thresholds", ("--runway.", "--balance.")),
    ("web", ("--web.",)),
    ("logging", ("--log.",)),
    ("configuration file and state", ("--config.", "--state.")),
)
OTHER_GROUP = "other settings"
PLACEHOLDERS = {
    "listen_address": "HOST:PORT",
    "telemetry_path": "PATH",
    "base_url": "URL",
    "workspaces": "IDS",
    "account": "NAME",
    "analytics_top_pairs": "COUNT",
    "log_format": "FORMAT",
    "log_level": "LEVEL",
    "management_key": "KEY",
    "api_key": "KEY",
    "state_dir": "DIR",
}


def placeholder(key: str) -> str:
    """The typed placeholder of a setting's value in the help: DURATION, USD, DAYS, ..."""
    if key in PLACEHOLDERS:
        return PLACEHOLDERS[key]
    for suffix, name in (
        ("_interval", "DURATION"),
        ("_timeout", "DURATION"),
        ("_usd", "USD"),
        ("_days", "DAYS"),
        ("_file", "FILE"),
        ("_config", "FILE"),
        ("_dir", "DIR"),
    ):
        if key.endswith(suffix) or key == suffix[1:]:
            return name
    return "VALUE"


def _group_of(flag: str) -> str:
    return next((title for title, prefixes in GROUPS if flag.startswith(prefixes)), OTHER_GROUP)


@dataclass(frozen=True)
class Option:
    """A command's own option (not a setting): its flag and ``add_argument``'s keywords."""

    flag: str
    keywords: Mapping[str, Any]


@dataclass(frozen=True)
class Command:
    """A subcommand: its help, and the setting groups and settings (by key) it does not use:
    they are accepted, as they always were, but left out of its help."""

    name: str
    help: str
    description: str
    hidden: frozenset[str] = frozenset()
    examples: tuple[str, ...] = ()
    options: tuple[Option, ...] = ()  # its own, shown under the command's name


COMMANDS = (
    Command(
        "serve",
        "poll OpenRouter and serve /metrics and the status page (the default)",
        "Poll OpenRouter and serve /metrics, the status page at / and /status.json.",
        examples=(
            "OPENROUTER_MANAGEMENT_KEY=sk-or-v1-... openrouter-exporter",
            "openrouter-exporter --config.file accounts.yml --web.listen-address :10473",
        ),
    ),
    Command(
        "demo",
        "run the exporter against the built-in OpenRouter simulator",
        "Run the exporter against the built-in OpenRouter simulator: no key, no network. "
        "Its first line names the status page and a `check` command that works against it.",
        hidden=frozenset({"config_file", "management_key", "api_key", "base_url"}),
        examples=("openrouter-exporter demo", "openrouter-exporter demo --demo.speed 1440"),
        options=(
            Option(
                "--demo.speed",
                {
                    "dest": "demo_speed",
                    "type": float,
                    "default": 1.0,
                    "metavar": "FACTOR",
                    "help": "multiply the simulated spend rate, e.g. 1440 drains a day's budget "
                    "per minute",
                },
            ),
            Option(
                "--demo.scenario",
                {
                    "dest": "demo_scenario",
                    "choices": ("demo", "small", "large"),
                    "default": "demo",
                    "help": "simulated account: demo (default), small (3 keys) or large "
                    "(1,000 keys)",
                },
            ),
        ),
    ),
    Command(
        "check",
        "poll once and report how long the credits last; exit 0 OK, 1 WARNING, "
        "2 CRITICAL, 3 UNKNOWN",
        "Poll OpenRouter once and print, per account, the balance, the spend today and now, "
        "the runway and what needs attention. Logs only warnings and errors unless "
        "--log.level (or its variable) says otherwise.\n\n"
        "exit status (a monitoring plugin's, as the Nagios plugin guidelines define it):\n"
        "  0 OK        nothing crossed\n"
        "  1 WARNING   a warning threshold crossed, or the money going fast\n"
        "  2 CRITICAL  a critical threshold crossed, or the balance at or below zero\n"
        "  3 UNKNOWN   the balance could not be read, or the configuration is wrong\n"
        "Over several accounts the worst counts: CRITICAL, then UNKNOWN, then WARNING.",
        hidden=frozenset({"web"}),
        examples=(
            "OPENROUTER_MANAGEMENT_KEY=sk-or-v1-... openrouter-exporter check",
            "openrouter-exporter check --runway.warning-days 7 || echo 'needs a look'",
        ),
    ),
)


def _add_settings(parser: argparse.ArgumentParser, hidden: frozenset[str] = frozenset()) -> None:
    groups = {
        title: parser.add_argument_group(title)
        for title in (*(title for title, _ in GROUPS), OTHER_GROUP)
    }
    for setting in SETTINGS:
        group_title = _group_of(setting.flag)
        group = groups[group_title]
        shown = group_title not in hidden and setting.key not in hidden
        documented = f"{setting.help} [env {setting.env}; default {setting.documented_default}]"
        if setting.switch:
            group.add_argument(
                setting.flag,
                dest=setting.key,
                action="store_const",
                const="true",
                default=argparse.SUPPRESS,
                help=documented if shown else argparse.SUPPRESS,
            )
        else:
            group.add_argument(
                setting.flag,
                dest=setting.key,
                action="append" if setting.repeatable else "store",
                default=argparse.SUPPRESS,
                metavar=placeholder(setting.key),
                help=documented if shown else argparse.SUPPRESS,
            )
        if setting.has_file_variant:
            group.add_argument(
                f"{setting.flag}-file",
                dest=f"{setting.key}_file",
                default=argparse.SUPPRESS,
                metavar="FILE",
                help=(
                    f"read the {setting.key.replace('_', ' ')} from a file [env {setting.env}_FILE]"
                    if shown
                    else argparse.SUPPRESS
                ),
            )
    parser.add_argument(
        "--check-config",
        action="store_true",
        default=argparse.SUPPRESS,
        help="validate the configuration, print a summary and exit",
    )


def _wrapped(text: str) -> str:
    """Paragraphs wrapped to the terminal; indented lines (tables) kept as they are."""
    width = min(shutil.get_terminal_size().columns, 100) - 2
    return "\n".join(
        line if line.startswith(" ") else textwrap.fill(line, width) for line in text.split("\n")
    )


def _examples(lines: Sequence[str]) -> str:
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="openrouter-exporter",
        description=_wrapped(
            "Prometheus exporter for OpenRouter prepaid credits. Without a command: serve. "
            "Each flag is also read from the environment variable named in its help."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
        epilog=_examples([line for command in COMMANDS for line in command.examples])
        + "\n\nRun 'openrouter-exporter COMMAND --help' for a command's own flags.",
    )
    _add_settings(parser)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for command in COMMANDS:
        sub = commands.add_parser(
            command.name,
            help=command.help,
            description=_wrapped(command.description),
            epilog=_examples(command.examples),
            formatter_class=argparse.RawDescriptionHelpFormatter,
            allow_abbrev=False,
        )
        _add_settings(sub, command.hidden)
        if command.options:
            own = sub.add_argument_group(command.name)
            for option in command.options:
                own.add_argument(option.flag, **option.keywords)
    commands.add_parser(
        "simulator", add_help=False, help="run the OpenRouter simulator alone (see its --help)"
    )
    commands.add_parser(
        "mixin",
        add_help=False,
        help="write the alert rules and dashboards for your own selector and URLs (see its --help)",
    )
    return parser


def known_options() -> set[str]:
    """Every option some command takes."""
    known = {"-h", "--help", "--version", "--check-config"}
    known.update(option.flag for command in COMMANDS for option in command.options)
    for setting in SETTINGS:
        known.add(setting.flag)
        if setting.has_file_variant:
            known.add(f"{setting.flag}-file")
    return known


def unknown_option(arguments: Sequence[str]) -> str | None:
    """The first option no command knows, said with the closest known one."""
    known = known_options()
    for argument in arguments:
        if argument == "--":
            return None
        name = argument.split("=", 1)[0]
        if not name.startswith("--") or name in known:
            continue
        close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]}?" if close else ""
        return f"unknown option {name}{hint}"
    return None
