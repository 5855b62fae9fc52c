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
import math
import random
from dataclasses import dataclass, field
from typing import Literal

from openrouter_simulator.org_spec import DEMO_ORGANIZATION, OrganizationSpec

LimitReset = Literal["daily", "weekly", "monthly"]
TimestampStyle = Literal["z", "micro"]
InferenceCredits = Literal["403", "real", "zero"]
ActivityDateFormat = Literal["date", "datetime"]
AnalyticsBucketKey = Literal["date", "created_at"]

DEFAULT_WORKSPACE = "default"
_LIMIT_RESETS = (None, "daily", "weekly", "monthly")


@dataclass(frozen=True)
class EndpointSpec:
    """One provider deployment serving a model.

    ``share`` is the relative part of the model's spend routed here; ``byok_ratio`` is
    the bring-your-own-key spend (``byok_usage_inference``) per USD of credit spend.
    """

    provider_name: str
    share: float = 1.0
    byok_ratio: float = 0.0


@dataclass(frozen=True)
class ModelSpec:
    """A model the account uses. Prices are USD per token (OpenRouter's unit)."""

    slug: str
    permaslug: str
    name: str
    weight: float
    endpoints: tuple[EndpointSpec, ...]
    prompt_price: float
    completion_price: float
    avg_prompt_tokens: int = 1800
    avg_completion_tokens: int = 450
    reasoning_ratio: float = 0.0
    active_probability: float = 1.0
    context_length: int = 128_000


@dataclass(frozen=True)
class KeySpec:
    """An inference key of the account at start.

    ``weight`` is the key's relative share of the account's spend (0: an idle key).
    ``expires_in_days`` (negative: already expired) sets ``expires_at``; without it the
    field is omitted (``expires_field="absent"``) or ``null``. ``updated_days_ago=None``
    gives ``updated_at: null`` unless the key is disabled (disabling updates it).
    ``limit_remaining_at_start`` sets, for a lifetime limit (``limit_reset=None``), the
    key's earlier usage, and for a periodic one the limit itself (the period's usage at
    start plus that much), so that exactly that much of its limit is left at start.
    """

    name: str
    weight: float = 1.0
    limit: float | None = None
    limit_reset: LimitReset | None = None
    include_byok_in_limit: bool = False
    disabled: bool = False
    disabled_days_ago: float = 3.0
    created_days_ago: float = 90.0
    updated_days_ago: float | None = None
    expires_in_days: float | None = None
    expires_field: Literal["absent", "null"] = "absent"
    timestamp_style: TimestampStyle = "micro"
    usage_before_history: float = 0.0
    limit_remaining_at_start: float | None = None
    workspace: str = DEFAULT_WORKSPACE
    creator_user_id: str | None = "user_2vQm8sK3xT0pLrA9"


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
            models=_DEMO_MODELS,
            keys=(
                KeySpec(
                    "production-chat",
                    weight=6.0,
                    created_days_ago=210.3,
                    usage_before_history=1240.0,
                    timestamp_style="micro",
                ),
                KeySpec(
                    "batch-summariser",
                    weight=3.0,
                    limit=400.0,
                    limit_reset="monthly",
                    created_days_ago=95.6,
                    updated_days_ago=12.2,
                    usage_before_history=310.0,
                    timestamp_style="z",
                    expires_field="null",
                ),
                KeySpec(
                    "staging",
                    weight=1.0,
                    limit=60.0,
                    limit_remaining_at_start=1.5,
                    created_days_ago=61.1,
                    updated_days_ago=20.4,
                    timestamp_style="z",
                    creator_user_id=None,
                ),
                KeySpec(
                    "hackathon-2025",
                    weight=0.8,
                    limit=25.0,
                    limit_reset="daily",
                    include_byok_in_limit=True,
                    created_days_ago=9.5,
                    expires_in_days=2.0,
                    timestamp_style="micro",
                ),
                KeySpec(
                    "legacy-integration",
                    weight=1.2,
                    disabled=True,
                    disabled_days_ago=4.3,
                    created_days_ago=400.0,
                    usage_before_history=95.0,
                    timestamp_style="micro",
                ),
                KeySpec(
                    "nightly-evals",
                    weight=0.6,
                    limit=1.0,  # replaced: this month's usage at start plus the remainder
                    limit_reset="monthly",
                    limit_remaining_at_start=0.4,
                    created_days_ago=40.0,
                    timestamp_style="z",
                ),
            ),
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
            models=_SMALL_MODELS,
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
            models=_large_models(seed),
            keys=_large_keys(seed),
            other_usage=12_000.0,
        )


def _model(
    slug: str,
    permaslug: str,
    name: str,
    weight: float,
    endpoints: tuple[EndpointSpec, ...],
    prices: tuple[float, float],
    **extra: float | int,
) -> ModelSpec:
    return ModelSpec(
        slug=slug,
        permaslug=permaslug,
        name=name,
        weight=weight,
        endpoints=endpoints,
        prompt_price=prices[0],
        completion_price=prices[1],
        **extra,  # type: ignore[arg-type]
    )


_DEMO_MODELS: tuple[ModelSpec, ...] = (
    _model(
        "anthropic/claude-sonnet-4",
        "anthropic/claude-4-sonnet-20250522",
        "Anthropic: Claude Sonnet 4",
        0.42,
        (
            EndpointSpec("Anthropic", 0.7),
            EndpointSpec("Amazon Bedrock", 0.3, byok_ratio=0.6),
        ),
        (3e-6, 15e-6),
        reasoning_ratio=0.12,
        context_length=200_000,
    ),
    _model(
        "anthropic/claude-3.5-haiku",
        "anthropic/claude-3-5-haiku",
        "Anthropic: Claude 3.5 Haiku",
        0.08,
        (EndpointSpec("Anthropic", 0.5), EndpointSpec("Amazon Bedrock", 0.5)),
        (0.8e-6, 4e-6),
        context_length=200_000,
    ),
    _model(
        "openai/gpt-4.1",
        "openai/gpt-4.1-2025-04-14",
        "OpenAI: GPT-4.1",
        0.2,
        (EndpointSpec("OpenAI"),),
        (2e-6, 8e-6),
        context_length=1_047_576,
    ),
    _model(
        "openai/gpt-4.1-mini",
        "openai/gpt-4.1-mini-2025-04-14",
        "OpenAI: GPT-4.1 Mini",
        0.06,
        (EndpointSpec("OpenAI"),),
        (0.4e-6, 1.6e-6),
        context_length=1_047_576,
    ),
    _model(
        "openai/o4-mini",
        "openai/o4-mini-2025-04-16",
        "OpenAI: o4 Mini",
        0.09,
        (EndpointSpec("OpenAI"),),
        (1.1e-6, 4.4e-6),
        reasoning_ratio=0.55,
        context_length=200_000,
    ),
    _model(
        "google/gemini-2.5-pro",
        "google/gemini-2.5-pro",
        "Google: Gemini 2.5 Pro",
        0.15,
        (EndpointSpec("Google Vertex"),),
        (1.25e-6, 10e-6),
        reasoning_ratio=0.4,
        context_length=1_048_576,
    ),
)

_SMALL_MODELS: tuple[ModelSpec, ...] = (
    *_DEMO_MODELS,
    _model(
        "google/gemini-2.5-flash",
        "google/gemini-2.5-flash",
        "Google: Gemini 2.5 Flash",
        0.05,
        (EndpointSpec("Google AI Studio", 0.6), EndpointSpec("Google Vertex", 0.4)),
        (0.3e-6, 2.5e-6),
        reasoning_ratio=0.2,
        context_length=1_048_576,
    ),
    _model(
        "deepseek/deepseek-r1",
        "deepseek/deepseek-r1",
        "DeepSeek: R1",
        0.04,
        (EndpointSpec("DeepInfra", 0.5), EndpointSpec("Together", 0.5)),
        (0.45e-6, 2.15e-6),
        reasoning_ratio=0.7,
        active_probability=0.7,
        context_length=163_840,
    ),
    _model(
        "mistralai/mistral-medium-3",
        "mistralai/mistral-medium-3",
        "Mistral: Mistral Medium 3",
        0.02,
        (EndpointSpec("Mistral"),),
        (0.4e-6, 2e-6),
        active_probability=0.5,
    ),
    _model(
        "meta-llama/llama-3.3-70b-instruct",
        "meta-llama/llama-3.3-70b-instruct",
        "Meta: Llama 3.3 70B Instruct",
        0.02,
        (EndpointSpec("Groq", 0.5), EndpointSpec("DeepInfra", 0.3), EndpointSpec("Together", 0.2)),
        (0.13e-6, 0.39e-6),
        context_length=131_072,
    ),
)

_LARGE_PROVIDERS = (
    ("openai", ("OpenAI", "Azure")),
    ("anthropic", ("Anthropic", "Amazon Bedrock", "Google Vertex")),
    ("google", ("Google Vertex", "Google AI Studio")),
    ("meta-llama", ("Groq", "DeepInfra", "Together", "Fireworks")),
    ("mistralai", ("Mistral",)),
    ("deepseek", ("DeepInfra", "Together", "Novita")),
    ("qwen", ("Alibaba", "DeepInfra")),
)
_LARGE_FAMILIES = ("chat", "instruct", "coder", "vision", "reasoner", "mini", "pro", "lite")


def _large_models(seed: int) -> tuple[ModelSpec, ...]:
    rng = random.Random(f"{seed}:large-models")
    models: list[ModelSpec] = []
    for i in range(300):
        vendor, providers = _LARGE_PROVIDERS[i % len(_LARGE_PROVIDERS)]
        family = _LARGE_FAMILIES[(i // len(_LARGE_PROVIDERS)) % len(_LARGE_FAMILIES)]
        version = i // (len(_LARGE_PROVIDERS) * len(_LARGE_FAMILIES)) + 1
        slug = f"{vendor}/{family}-{version}"
        count = 1 + min(len(providers) - 1, int(rng.random() * len(providers)))
        chosen = rng.sample(providers, count)
        endpoints = tuple(
            EndpointSpec(p, share=0.2 + rng.random(), byok_ratio=0.5 if rng.random() < 0.05 else 0)
            for p in chosen
        )
        prompt_price = round(rng.choice((0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)) * 1e-6, 12)
        models.append(
            ModelSpec(
                slug=slug,
                permaslug=f"{slug}-2025{1 + i % 12:02d}{1 + i % 28:02d}",
                name=f"{vendor.title()}: {family.title()} {version}",
                weight=1.0 / (i + 1) ** 1.1,
                endpoints=endpoints,
                prompt_price=prompt_price,
                completion_price=round(prompt_price * 4, 12),
                reasoning_ratio=0.5 if family == "reasoner" else 0.0,
                active_probability=1.0 if i < 60 else 0.5,
            )
        )
    return tuple(models)


_TEAMS = ("search", "support", "ml-platform", "growth", "data", "mobile", "infra", "labs")


def _large_keys(seed: int) -> tuple[KeySpec, ...]:
    rng = random.Random(f"{seed}:large-keys")
    keys: list[KeySpec] = []
    for i in range(1000):
        team = _TEAMS[i % len(_TEAMS)]
        limited = rng.random() < 0.3
        reset: LimitReset | None = rng.choice(("daily", "weekly", "monthly")) if limited else None
        keys.append(
            KeySpec(
                name=f"{team}-svc-{i:04d}",
                weight=1.0 / (i + 1) ** 0.8,
                limit=float(rng.choice((50, 100, 250, 1000, 5000))) if limited else None,
                limit_reset=reset,
                disabled=i % 25 == 24,
                created_days_ago=round(2 + rng.random() * 700, 3),
                updated_days_ago=round(1 + rng.random() * 30, 3) if rng.random() < 0.5 else None,
                expires_in_days=round(1 + rng.random() * 120, 3) if rng.random() < 0.1 else None,
                expires_field="null" if rng.random() < 0.5 else "absent",
                timestamp_style="z" if i % 2 else "micro",
                usage_before_history=round(rng.random() * 50 * math.exp(-i / 200), 4),
            )
        )
    for i in range(5):
        keys.append(
            KeySpec(
                name=f"research-{i}",
                weight=0.2,
                created_days_ago=30.0 + i,
                workspace="research",
                timestamp_style="z",
            )
        )
    return tuple(keys)
