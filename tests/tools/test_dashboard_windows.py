"""Dashboard queries against what their counters do: per-key rates span more than two /keys
listings, and a free model's requests per day is a number, not NaN (promtool evaluates)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml

from tests.support.dashboards import panel_queries
from tests.support.prometheus import find_binary

#: Key usage moves once per /keys listing: up to every 6.6 minutes for many keys.
KEYS_LISTING_SECONDS = 6.6 * 60
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def seconds(duration: str) -> float:
    return sum(int(n) * UNITS[u] for n, u in re.findall(r"(\d+)([smhdw])", duration))


def test_per_key_rates_span_at_least_two_keys_listings() -> None:
    windows = [
        (str(query), window)
        for query in panel_queries()
        for window in re.findall(
            r"rate\(openrouter_key_usage_usd_total\{[^}]*\}\[([^\]]+)\]", query.expr
        )
    ]
    assert windows
    short = [
        (query, window)
        for query, window in windows
        if window.startswith("$") or seconds(window) < 2 * KEYS_LISTING_SECONDS
    ]
    assert short == []


def test_requests_per_day_by_model_counts_a_free_model(tmp_path: Path) -> None:
    (query,) = [
        q for q in panel_queries() if q.panel["title"] == "Requests per day by model (7-day mean)"
    ]
    expr = query.rendered({"account": ["a"], "model": ["paid", "free"], "provider": ["P"]})
    series = 'account="a",model="{m}",provider="P"'
    test = {
        "evaluation_interval": "1h",
        "tests": [
            {
                "interval": "1h",
                "input_series": [
                    # Paid: $7 over 7 days at $0.01 a request: 100 requests a day.
                    {
                        "series": "openrouter_model_window_spend_usd{"
                        + series.format(m="paid")
                        + ',window="7d"}',
                        "values": "7x200",
                    },
                    {
                        "series": "openrouter_model_cost_per_request_usd{"
                        + series.format(m="paid")
                        + "}",
                        "values": "0.01x200",
                    },
                    # Free: no spend, no cost, 50 requests an hour in the ledger (1,200 a day).
                    {
                        "series": "openrouter_model_window_spend_usd{"
                        + series.format(m="free")
                        + ',window="7d"}',
                        "values": "0x200",
                    },
                    {
                        "series": "openrouter_model_cost_per_request_usd{"
                        + series.format(m="free")
                        + "}",
                        "values": "0x200",
                    },
                    {
                        "series": "openrouter_model_requests_total{"
                        + series.format(m="free")
                        + "}",
                        "values": "0+50x200",
                    },
                ],
                "promql_expr_test": [
                    {
                        "expr": expr,
                        "eval_time": "180h",
                        "exp_samples": [
                            {"labels": '{model="paid"}', "value": 100},
                            {"labels": '{model="free"}', "value": 1200},
                        ],
                    }
                ],
            }
        ],
    }
    path = tmp_path / "free.yml"
    path.write_text(yaml.safe_dump(test), encoding="utf-8")
    result = subprocess.run(
        [find_binary("promtool", env="PROMTOOL_BINARY"), "test", "rules", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
