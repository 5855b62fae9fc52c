"""Reconciling today's provisional per-model figures with the completed days of /activity:
nothing counted twice, no counter lowered, whatever order and sizes the figures come in."""

import math

from hypothesis import given
from hypothesis import strategies as st

from openrouter_exporter.core.reconcile import (
    UNKNOWN_PROVIDER,
    allocate,
    allocate_field,
    provider_shares,
)

PROVIDERS = ("Anthropic", "Amazon Bedrock", "Google Vertex")
amounts = st.floats(min_value=0.0, max_value=1e4, allow_nan=False, allow_infinity=False)
provider_amounts = st.dictionaries(st.sampled_from(PROVIDERS), amounts, max_size=3)
shares = st.dictionaries(
    st.sampled_from(PROVIDERS), st.floats(min_value=0.01, max_value=10.0), min_size=1
).map(provider_shares)
increments = st.lists(provider_amounts, min_size=1, max_size=6)


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


def grown(base: dict[str, float], by: dict[str, float]) -> dict[str, float]:
    return {p: base.get(p, 0.0) + by.get(p, 0.0) for p in set(base) | set(by)}


@given(amounts, shares, provider_amounts)
def test_the_day_counts_whichever_source_saw_more_never_both(
    provisional: float, split: dict[str, float], activity: dict[str, float]
) -> None:
    counted = allocate_field(provisional, split, activity)
    assert close(sum(counted.values()), max(provisional, sum(activity.values())))


@given(amounts, shares, provider_amounts)
def test_every_provider_keeps_at_least_its_share_of_the_provisional_figure(
    provisional: float, split: dict[str, float], activity: dict[str, float]
) -> None:
    counted = allocate_field(provisional, split, activity)
    for provider, share in split.items():
        assert counted[provider] >= share * provisional - 1e-9


@given(provider_amounts)
def test_without_a_provisional_figure_providers_count_their_activity_exactly(
    activity: dict[str, float],
) -> None:
    counted = allocate_field(0.0, {UNKNOWN_PROVIDER: 1.0}, activity)
    for provider, amount in activity.items():
        assert close(counted[provider], amount)
    assert close(counted[UNKNOWN_PROVIDER], 0.0)


@given(amounts, shares, st.floats(min_value=1.0, max_value=2.0))
def test_when_the_split_was_right_providers_count_their_activity_exactly(
    provisional: float, split: dict[str, float], growth: float
) -> None:
    activity = {provider: share * provisional * growth for provider, share in split.items()}
    counted = allocate_field(provisional, split, activity)
    for provider, amount in activity.items():
        assert close(counted[provider], amount)


@given(st.lists(amounts, min_size=1, max_size=6), shares, increments)
def test_no_provider_ever_goes_down_as_the_day_runs_and_activity_arrives_and_is_revised_up(
    provisional_steps: list[float], split: dict[str, float], activity_steps: list[dict[str, float]]
) -> None:
    previous: dict[str, float] = {}
    provisional = 0.0
    for step in provisional_steps:  # the day runs: analytics' high-water mark grows
        provisional = max(provisional, step)
        counted = allocate_field(provisional, split, {})
        assert all(counted[p] >= previous.get(p, 0.0) - 1e-6 for p in previous)
        previous = counted
    activity: dict[str, float] = {}
    for change in activity_steps:  # /activity arrives, then revisions (high-water marks)
        activity = grown(activity, change)
        counted = allocate_field(provisional, split, activity)
        assert all(counted.get(p, 0.0) >= previous[p] - 1e-6 for p in previous)
        previous = counted


@given(amounts, shares, provider_amounts)
def test_all_fields_are_allocated_alike(
    provisional: float, split: dict[str, float], activity: dict[str, float]
) -> None:
    rows = {provider: (amount, amount * 100) for provider, amount in activity.items()}
    counted = allocate((provisional, provisional * 100), split, rows, 2)
    single = allocate_field(provisional, split, activity)
    for provider, figures in counted.items():
        assert close(figures[0], single[provider])
        assert close(figures[1], single[provider] * 100)


def test_without_a_provisional_row_activity_passes_through() -> None:
    rows = {"OpenAI": (1.0, 2.0)}
    assert allocate(None, {UNKNOWN_PROVIDER: 1.0}, rows, 2) == rows


def test_shares_come_from_the_latest_day_and_ignore_providers_without_spend() -> None:
    assert provider_shares({"Anthropic": 3.0, "Amazon Bedrock": 1.0, "Azure": 0.0}) == {
        "Anthropic": 0.75,
        "Amazon Bedrock": 0.25,
    }


def test_a_model_never_seen_goes_whole_to_unknown() -> None:
    assert provider_shares({}) == {UNKNOWN_PROVIDER: 1.0}
