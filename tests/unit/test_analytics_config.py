"""The Analytics API's settings: its poll interval (0: off) and the key x model pairs shown."""

import pytest

from openrouter_exporter.config.errors import ConfigError
from openrouter_exporter.config.loader import load_config

KEY = {"OPENROUTER_MANAGEMENT_KEY": "sk-or-v1-" + "a" * 64}


def test_analytics_is_polled_every_5_minutes_with_20_pairs_by_default() -> None:
    config = load_config({}, KEY)
    assert (config.analytics_interval, config.analytics_top_pairs) == (300.0, 20)


def test_the_flag_beats_the_environment() -> None:
    env = {**KEY, "OPENROUTER_EXPORTER_ANALYTICS_INTERVAL": "10m"}
    assert load_config({"analytics_interval": "2m"}, env).analytics_interval == 120.0
    assert load_config({}, env).analytics_interval == 600.0


def test_an_interval_of_0_turns_analytics_off() -> None:
    assert load_config({"analytics_interval": "0"}, KEY).analytics_interval == 0.0


@pytest.mark.parametrize("value", ["0.5s", "-1", "soon"])
def test_a_bad_interval_names_the_setting(value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config({"analytics_interval": value}, KEY)
    assert str(caught.value).startswith("--poll.analytics-interval: ")


@pytest.mark.parametrize("value", ["-3", "ten", "2.5"])
def test_top_pairs_must_be_a_whole_number(value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config({}, {**KEY, "OPENROUTER_EXPORTER_ANALYTICS_TOP_PAIRS": value})
    assert str(caught.value).startswith("OPENROUTER_EXPORTER_ANALYTICS_TOP_PAIRS: ")


def test_top_pairs_of_0_sums_every_pair_into_other() -> None:
    assert load_config({"analytics_top_pairs": "0"}, KEY).analytics_top_pairs == 0
