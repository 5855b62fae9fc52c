"""What a simulated account looks like: its money, keys, models, rhythm and API quirks.

A :class:`Scenario` is an immutable description; the ledger turns it into live state.
Everything random in the simulation (day-to-day noise, the model mix of a day, token
counts, secrets, hashes, endpoint ids) is derived from ``seed``, so two simulators built
from the same scenario on the same UTC day answer identically.

Times in a scenario are relative to the moment the simulator is built ("start"):
``created_days_ago=90`` means 90 days before start on the simulated calendar.

Money model, at ``speed`` 1:

* ``daily_rate`` is the mean spend of a simulated day, in USD, averaged over a week.
  Weekend days spend ``weekend_factor`` times a weekday, each day carries a deterministic
  noise of up to ``day_noise`` (relative), and within a day spend follows a rhythm
  ``1 + rhythm_amplitude * cos(2*pi*(hour - rhythm_peak_hour)/24)`` (busier in UTC daytime),
  whose integral over a day is exactly 1.
* The 30 history days before start were ``history_trend`` (relative) cheaper per day of
  age, so the spend visibly grows towards today.
* ``balance`` is the account balance at start; ``total_usage`` at start is the sum of
  the keys' usage (history plus ``usage_before_history``) plus ``other_usage``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Literal

from openrouter_simulator.org_spec import (
    DEMO_ORGANIZATION,
    LARGE_ORGANIZATION,
    OrganizationSpec,
)
from openrouter_simulator.presets import (
    DEMO_KEYS,
    DEMO_MODELS,
    SMALL_MODELS,
    large_keys,
    large_models,
)
from openrouter_simulator.specs import KeySpec, ModelSpec

InferenceCredits = Literal["403", "real", "zero"]
ActivityDateFormat = Literal["date", "datetime"]
AnalyticsBucketKey = Literal["date", "created_at"]

_LIMIT_RESETS = (None, "daily", "weekly", "monthly")


@dataclass(frozen=True)
class Quirks:
    """Documented oddities of the real API, switchable at run time.

    * ``inference_credits``: what ``/credits`` answers to an inference key: ``"403"``
      (management keys only), ``"real"`` values, or ``"zero"`` (200 with ``{0, 0}``).
    * ``activity_date_format``: ``"date"`` (``2025-08-24``) or ``"datetime"``
      (``2025-08-24 00:00:00``).
    * ``activity_byok_requests``: add the undocumented ``byok_requests`` field to rows.
    * ``activity_lag_seconds``: yesterday's rows appear only this long after 00:00 UTC.
    * ``analytics_bucket_key``: ``/analytics/query`` time buckets under ``date__<g>``
      (``"date"``) or ``created_at__<g>`` (``"created_at"``, per-request data).
    * ``analytics_bucket_format``: buckets as ``"date"`` (``2026-06-07``) or
      ``"datetime"`` (``2026-06-07T00:00:00.000Z``).
    """

    inference_credits: InferenceCredits = "403"
    activity_date_format: ActivityDateFormat = "date"
    activity_byok_requests: bool = False
    activity_lag_seconds: float = 0.0
    analytics_bucket_key: AnalyticsBucketKey = "date"
    analytics_bucket_format: ActivityDateFormat = "date"


@dataclass(frozen=True)
class Scenario:
    """A complete simulated account. Build one directly in tests, or use a factory."""

    name: str
    seed: int
    balance: float
    daily_rate: float
    models: tuple[ModelSpec, ...]
    keys: tuple[KeySpec, ...]
    quirks: Quirks = field(default_factory=Quirks)
    rhythm_amplitude: float = 0.6
    rhythm_peak_hour: float = 15.0
    weekend_factor: float = 0.6
    day_noise: float = 0.12
    history_trend: float = 0.01
    history_days: int = 30
    other_usage: float = 0.0
    overdraft_rate: float = 0.2
    overdraft_limit: float = 0.5
    management_key_name: str = "monitoring"
    organization: OrganizationSpec = field(default_factory=OrganizationSpec)

    def __post_init__(self) -> None:
        problems: list[str] = []
        if not self.models:
            problems.append("at least one model is needed")
        for model in self.models:
            if not model.endpoints or any(e.share <= 0 for e in model.endpoints):
                problems.append(f"model {model.slug}: endpoints need positive shares")
            if model.weight < 0 or model.prompt_price < 0 or model.completion_price < 0:
                problems.append(f"model {model.slug}: weight and prices must be >= 0")
        if len({m.slug for m in self.models}) != len(self.models):
            problems.append("model slugs must be unique")
        if len({k.name for k in self.keys}) != len(self.keys):
            problems.append("key names must be unique")
        for key in self.keys:
            if key.limit_reset not in _LIMIT_RESETS:
                problems.append(f"key {key.name}: limit_reset must be daily, weekly or monthly")
            if key.weight < 0:
                problems.append(f"key {key.name}: weight must be >= 0")
        if self.daily_rate < 0:
            problems.append("daily_rate must be >= 0")
        if not 0 <= self.rhythm_amplitude < 1:
            problems.append("rhythm_amplitude must be in [0, 1)")
        if self.history_days < 30:
            problems.append("history_days must be >= 30 (the activity window)")
        if problems:
            raise ValueError("invalid scenario: " + "; ".join(problems))

    def with_quirks(self, **changes: object) -> Scenario:
        """A copy with some quirks changed, e.g. ``with_quirks(activity_lag_seconds=3600)``."""
        return dataclasses.replace(self, quirks=dataclasses.replace(self.quirks, **changes))  # type: ignore[arg-type]

    def without_enterprise(self) -> Scenario:
        """The same account without Enterprise features: a personal account (403 on
        workspaces and guardrails, 404 on organisation members, no budgets on ``/key``)."""
        return dataclasses.replace(
            self, organization=dataclasses.replace(self.organization, enterprise=False)
        )

    @classmethod
    def personal(cls, seed: int = 7) -> Scenario:
        """The demo account without Enterprise features."""
        return dataclasses.replace(cls.demo(seed), name="personal").without_enterprise()

    @classmethod
    def demo(cls, seed: int = 7) -> Scenario:
        """One team account draining in a few days: ~$55 left at ~$15/day, 6 keys, 6 models;
        a workspace budget and guardrails, and a key whose monthly limit stops it within a
        day, before the balance runs out."""
        return cls(
            name="demo",
            seed=seed,
            balance=55.0,
            daily_rate=15.0,
            models=DEMO_MODELS,
            keys=DEMO_KEYS,
            quirks=Quirks(activity_byok_requests=True),
            other_usage=180.0,
            organization=DEMO_ORGANIZATION,
        )

    @classmethod
    def small(cls, seed: int = 7) -> Scenario:
        """A small account: 3 keys (one unlimited, one limited, one disabled), 10 models."""
        return cls(
            name="small",
            seed=seed,
            balance=120.0,
            daily_rate=8.0,
            models=SMALL_MODELS,
            keys=(
                KeySpec("default", weight=3.0, created_days_ago=120.0, usage_before_history=90.0),
                KeySpec(
                    "ci",
                    weight=1.0,
                    limit=50.0,
                    limit_reset="weekly",
                    created_days_ago=45.0,
                    updated_days_ago=3.0,
                    timestamp_style="z",
                    expires_in_days=40.0,
                ),
                KeySpec("old-laptop", weight=0.5, disabled=True, created_days_ago=300.0),
            ),
        )

    @classmethod
    def large(cls, seed: int = 7) -> Scenario:
        """A big organisation: 1,000 keys in the default workspace (40 disabled) plus 5 in a
        second one, 300 models over 13 providers, ~$2,500/day against a $20,000 balance."""
        return cls(
            name="large",
            seed=seed,
            balance=20_000.0,
            daily_rate=2_500.0,
            models=large_models(seed),
            keys=large_keys(seed),
            other_usage=12_000.0,
            organization=LARGE_ORGANIZATION,
        )
