"""The models and keys of the built-in scenarios: a small team's demo account, a small
account, and a large organisation generated from the seed."""

from __future__ import annotations

import math
import random

from openrouter_simulator.specs import EndpointSpec, KeySpec, LimitReset, ModelSpec


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


DEMO_MODELS: tuple[ModelSpec, ...] = (
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

DEMO_KEYS: tuple[KeySpec, ...] = (
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
)

SMALL_MODELS: tuple[ModelSpec, ...] = (
    *DEMO_MODELS,
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


def large_models(seed: int) -> tuple[ModelSpec, ...]:
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


def large_keys(seed: int) -> tuple[KeySpec, ...]:
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
