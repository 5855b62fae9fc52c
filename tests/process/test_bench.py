"""The benchmark command runs end to end; its figures are printed, never asserted."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from bench.loadgen import parse_wrk
from bench.run import MAIN_COLUMNS

REPO_ROOT = Path(__file__).resolve().parents[2]

WRK_OUTPUT = """\
Running 3s test @ http://127.0.0.1:40000/metrics
  1 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.31ms    1.02ms  15.20ms   90.12%
    Req/Sec     3.41k   210.11     3.80k    71.00%
  Latency Distribution
     50%    2.12ms
     75%    2.60ms
     90%    3.10ms
     99%  850.00us
  10230 requests in 3.00s, 10.21GB read
  Socket errors: connect 0, read 2, write 0, timeout 1
Requests/sec:   3409.87
Transfer/sec:      3.40GB
"""


@pytest.fixture(scope="module")
def quick_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[subprocess.CompletedProcess[str], Path]:
    figures = tmp_path_factory.mktemp("bench") / "figures.json"
    command = [sys.executable, "-m", "bench", "--quick", "--scenario", "small", "--no-demo"]
    command += ["--generator", "python", "--duration", "1", "--json", str(figures)]
    command += ["--exporter-python", sys.executable]  # no runtime-only venv to build
    done = subprocess.run(
        command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=180, check=False
    )
    return done, figures


def test_quick_run_prints_the_table_with_every_column(
    quick_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    done, _ = quick_run
    assert done.returncode == 0, done.stderr
    header = next(line for line in done.stdout.splitlines() if line.startswith("| scenario |"))
    assert [cell.strip() for cell in header.strip("|").split("|")] == list(MAIN_COLUMNS)
    assert any(line.startswith("| small ") for line in done.stdout.splitlines())
    assert "Machine: " in done.stdout


def test_quick_run_writes_the_figures_as_json(
    quick_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    done, figures = quick_run
    assert done.returncode == 0, done.stderr
    document = json.loads(figures.read_text())
    assert [item["scenario"] for item in document["scenarios"]] == ["small"]
    assert document["scenarios"][0]["keys"] == 3
    assert document["generator"] == "python"


def test_wrk_latency_output_is_read_in_milliseconds() -> None:
    result = parse_wrk(WRK_OUTPUT, connections=8)

    assert result.requests == 10230
    assert result.requests_per_second == pytest.approx(3409.87)
    assert result.p50_ms == pytest.approx(2.12)
    assert result.p99_ms == pytest.approx(0.85)
    assert result.max_ms == pytest.approx(15.2)
    assert result.errors == 3
