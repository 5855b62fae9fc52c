"""The command line helps: an unknown option by name with the closest known one, typed
placeholders, flags in groups, examples, and each command's help with only its flags."""

import pytest

from openrouter_exporter.cli import main
from openrouter_exporter.config.catalogue import SETTINGS
from openrouter_exporter.options import COMMANDS, build_parser, unknown_option


def help_of(*arguments: str, capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args([*arguments, "--help"])
    assert exit_.value.code == 0
    return capsys.readouterr().out


def test_a_mistyped_option_is_named_with_the_closest_known_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status = main(["--poll.intervall", "30s"])

    error = capsys.readouterr().err
    assert status == 2
    assert "unknown option --poll.intervall; did you mean --poll.interval?" in error
    assert "usage:" not in error
    assert len(error.splitlines()) <= 2


def test_a_mistyped_option_of_check_is_unknown_to_a_monitor(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status = main(["check", "--runway.warning-day=2"])

    assert status == 3
    assert "did you mean --runway.warning-days?" in capsys.readouterr().err


def test_a_missing_value_is_one_line_without_the_usage(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["--poll.interval"])

    error = capsys.readouterr().err
    assert status == 2
    assert "--poll.interval: expected one argument" in error
    assert "usage:" not in error


def test_check_help_describes_the_exit_codes_and_leaves_out_the_web_flags(
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = help_of("check", capsys=capsys)

    assert "0 OK" in text
    assert "1 WARNING" in text
    assert "2 CRITICAL" in text
    assert "3 UNKNOWN" in text
    assert "--web." not in text
    assert "--runway.warning-days DAYS" in text


def test_the_demo_help_leaves_out_the_keys_the_simulator_provides(
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = help_of("demo", capsys=capsys)

    assert "--openrouter.management-key" not in text
    assert "--demo.speed FACTOR" in text


def test_values_have_typed_placeholders(capsys: pytest.CaptureFixture[str]) -> None:
    text = help_of(capsys=capsys)

    for shown in (
        "--poll.interval DURATION",
        "--poll.timeout DURATION",
        "--balance.warning-usd USD",
        "--runway.critical-days DAYS",
        "--web.listen-address HOST:PORT",
        "--config.file FILE",
        "--openrouter.management-key-file FILE",
    ):
        assert shown in text
    assert " VALUE" not in text


def test_flags_are_grouped_and_examples_close_the_help(
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = help_of(capsys=capsys)

    headings = [line[:-1] for line in text.splitlines() if line and line.endswith(":")]
    for group in ("OpenRouter", "polling", "thresholds", "web", "logging"):
        assert group in headings
    assert headings[-1] == "examples"


def test_every_flag_is_still_accepted(capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser()
    for setting in SETTINGS:
        value = [] if setting.switch else ["x"]
        options = vars(parser.parse_args([setting.flag, *value]))
        assert setting.key in options, setting.flag


def test_every_commands_own_options_are_known_to_the_unknown_option_check() -> None:
    for command in COMMANDS:
        for option in command.options:
            assert unknown_option([command.name, option.flag, "1"]) is None, option.flag
    assert unknown_option(["demo", "--demo.sped", "2"]) == (
        "unknown option --demo.sped; did you mean --demo.speed?"
    )
