"""Rules generated from a non-default mixin config, run by promtool: a custom selector,
key alerts scoped by a key selector with their own critical severity.

Each test writes the generated rule file and a promtool test into a temporary directory;
the firing alerts are read from ``ALERTS`` (labels only: the default rule file's tests pin
the annotations).
"""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml
from mixin.alerts import render
from mixin.config import DEFAULT, MixinConfig

from tests.support.prometheus import find_binary

Json = dict[str, Any]


def run_promtool(
    tmp_path: Path, config: MixinConfig, test: Json
) -> subprocess.CompletedProcess[str]:
    rules = tmp_path / "rules.yml"
    rules.write_text(render(config), encoding="utf-8")
    tests = tmp_path / "tests.yml"
    tests.write_text(
        yaml.safe_dump(
            {"rule_files": [str(rules)], "evaluation_interval": "1m", "tests": [test]},
            sort_keys=False,
        ),
        encoding="utf-8",
    )
    return subprocess.run(
        [find_binary("promtool", env="PROMTOOL_BINARY"), "test", "rules", str(tests)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def firing(alertname: str, eval_time: str, *label_sets: Json) -> Json:
    return {
        "expr": f'ALERTS{{alertname="{alertname}",alertstate="firing"}}',
        "eval_time": eval_time,
        "exp_samples": [
            {
                "labels": "ALERTS{"
                + ",".join(
                    f'{k}="{v}"'
                    for k, v in sorted(
                        {"alertname": alertname, "alertstate": "firing", **labels}.items()
                    )
                )
                + "}",
                "value": 1,
            }
            for labels in label_sets
        ],
    }


def test_a_custom_selector_alerts_on_its_own_job_only(tmp_path: Path) -> None:
    config = replace(DEFAULT, selector='job="llm-costs"')
    test = {
        "interval": "1m",
        "input_series": [
            {"series": 'openrouter_balance_usd{job="llm-costs",account="a"}', "values": "-1x10"},
            {"series": 'openrouter_balance_usd{job="other-app",account="b"}', "values": "-1x10"},
        ],
        "promql_expr_test": [
            firing(
                "OpenRouterCreditsExhausted",
                "5m",
                {"job": "llm-costs", "account": "a", "severity": "critical"},
            )
        ],
    }
    result = run_promtool(tmp_path, config, test)
    assert result.returncode == 0, result.stdout + result.stderr


def key_at_limit(name: str, key_hash: str) -> list[Json]:
    labels = f'account="a",key_hash="{key_hash}",key_name="{name}"'
    return [
        {"series": f"openrouter_key_limit_usd{{{labels}}}", "values": "5x20"},
        {"series": f"openrouter_key_limit_remaining_usd{{{labels}}}", "values": "0x20"},
    ]


def test_the_key_selector_leaves_out_a_sandbox_key_and_the_severity_is_configurable(
    tmp_path: Path,
) -> None:
    config = replace(
        DEFAULT, key_selector='key_name!~"sandbox-.*"', key_critical_severity="warning"
    )
    test = {
        "interval": "1m",
        "input_series": key_at_limit("prod", "a1") + key_at_limit("sandbox-ci", "b2"),
        # At the limit for 6 minutes: past the at-limit `for` (5m), not the near-limit one.
        "promql_expr_test": [
            firing(
                "OpenRouterKeyLimitLow",
                "6m",
                {"account": "a", "key_hash": "a1", "key_name": "prod", "severity": "warning"},
            )
        ],
    }
    result = run_promtool(tmp_path, config, test)
    assert result.returncode == 0, result.stdout + result.stderr


def test_by_default_every_key_at_its_limit_pages(tmp_path: Path) -> None:
    test = {
        "interval": "1m",
        "input_series": key_at_limit("prod", "a1") + key_at_limit("sandbox-ci", "b2"),
        "promql_expr_test": [
            firing(
                "OpenRouterKeyLimitLow",
                "6m",
                {"account": "a", "key_hash": "a1", "key_name": "prod", "severity": "critical"},
                {
                    "account": "a",
                    "key_hash": "b2",
                    "key_name": "sandbox-ci",
                    "severity": "critical",
                },
            )
        ],
    }
    result = run_promtool(tmp_path, DEFAULT, test)
    assert result.returncode == 0, result.stdout + result.stderr
