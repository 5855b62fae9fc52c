"""``/`` and ``/status.json`` served by the real exporter process against the simulator."""

import base64
import json
from pathlib import Path

import bcrypt
import jsonschema
import pytest

from openrouter_simulator import Simulator
from tests.conftest import StartExporter, simulator_env
from tests.support.exporter import start_exporter
from tests.support.tls import write_web_config

SCHEMA = json.loads(
    (Path(__file__).parents[2] / "docs" / "status.schema.json").read_text(encoding="utf-8")
)


def test_status_json_validates_against_the_shipped_schema(
    simulator: Simulator, start: StartExporter
) -> None:
    response = start(simulator).get("/status.json")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    document = response.json()
    jsonschema.Draft202012Validator(
        SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    ).validate(document)
    account = document["accounts"][0]
    assert account["balance"]["balance_usd"] == pytest.approx(simulator.engine.totals()["balance"])
    assert len(account["daily_spend"]) == 30


def test_status_page_sends_a_policy_that_forbids_script_and_framing(
    simulator: Simulator, start: StartExporter
) -> None:
    response = start(simulator).get("/")

    assert response.headers["content-type"] == "text/html; charset=utf-8"
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "script-src" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize("path", ["/", "/status.json"])
def test_status_page_and_json_need_the_same_basic_auth_as_metrics(
    simulator: Simulator, tmp_path: Path, path: str
) -> None:
    hashed = bcrypt.hashpw(b"s3cret", bcrypt.gensalt(rounds=4)).decode()
    config = write_web_config(tmp_path / "web.yml", {"basic_auth_users": {"viewer": hashed}})
    env = {
        **simulator_env(simulator, tmp_path / "state"),
        "OPENROUTER_EXPORTER_WEB_CONFIG": str(config),
    }
    token = base64.b64encode(b"viewer:s3cret").decode()
    with start_exporter([], env, tmp_path / "exporter.log") as exporter:
        refused = exporter.get(path)
        allowed = exporter.get(path, headers={"Authorization": f"Basic {token}"})

    assert refused.status_code == 401
    assert "default" not in refused.text
    assert allowed.status_code == 200
