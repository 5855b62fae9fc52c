"""The Kubernetes manifests: deploy/kubernetes/ (kustomize base and overlays).

Each variant is rendered with the real kustomize (`kustomize build`, or the copy built into
kubectl: `kubectl kustomize`). Built-in kinds are validated against the Kubernetes
OpenAPI schemas with kubernetes-validate (PyPI); the Prometheus Operator's custom
resources, which it has no schema for, are checked here for what their CRDs require.
The PrometheusRule and the dashboard ConfigMaps must carry exactly the shipped rules
(alerts/) and dashboards (grafana/dashboards/).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.tools import require_tool

REPO = Path(__file__).resolve().parents[2]
KUBERNETES = REPO / "deploy" / "kubernetes"
VARIANTS = {
    "base": KUBERNETES / "base",
    "ephemeral-state": KUBERNETES / "overlays" / "ephemeral-state",
    "demo": KUBERNETES / "overlays" / "demo",
}
# Oldest and newest Kubernetes minor versions the manifests are validated against.
KUBERNETES_VERSIONS = ("1.29.0", "1.37.0")
BUILTIN_API_GROUPS = ("v1", "apps/v1")
NAMESPACE = "monitoring"
STATE_DIR = "/var/lib/openrouter-exporter"
# Volume types the "restricted" Pod Security Standard allows.
RESTRICTED_VOLUME_TYPES = {
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
}
# The Operator's duration pattern (monitoring.coreos.com CRDs).
DURATION = re.compile(
    r"^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?"
    r"(([0-9]+)s)?(([0-9]+)ms)?)$"
)

Resource = dict[str, Any]


def kustomize_command() -> list[str]:
    kustomize = shutil.which("kustomize")
    if kustomize is not None:
        return [kustomize, "build"]
    return [
        require_tool("kubectl", "kubectl (or kustomize) renders the kustomizations"),
        "kustomize",
    ]


def render(folder: Path) -> list[Resource]:
    result = subprocess.run(
        [*kustomize_command(), str(folder)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return [document for document in yaml.safe_load_all(result.stdout) if document]


@pytest.fixture(scope="module")
def rendered() -> dict[str, list[Resource]]:
    return {name: render(folder) for name, folder in VARIANTS.items()}


def of_kind(resources: list[Resource], kind: str) -> list[Resource]:
    return [resource for resource in resources if resource["kind"] == kind]


def one(resources: list[Resource], kind: str) -> Resource:
    (resource,) = of_kind(resources, kind)
    return resource


def pod_spec(resources: list[Resource]) -> dict[str, Any]:
    spec: dict[str, Any] = one(resources, "Deployment")["spec"]["template"]["spec"]
    return spec


def container(resources: list[Resource]) -> dict[str, Any]:
    (exporter,) = pod_spec(resources)["containers"]
    result: dict[str, Any] = exporter
    return result


def environment(resources: list[Resource]) -> dict[str, str]:
    return {item["name"]: item["value"] for item in container(resources).get("env", [])}


def volume_at(resources: list[Resource], mount_path: str) -> dict[str, Any]:
    (mount,) = [m for m in container(resources)["volumeMounts"] if m["mountPath"] == mount_path]
    (volume,) = [v for v in pod_spec(resources)["volumes"] if v["name"] == mount["name"]]
    result: dict[str, Any] = volume
    return result


def shipped_dashboards() -> dict[str, str]:
    folder = REPO / "grafana" / "dashboards"
    return {path.name: path.read_text(encoding="utf-8") for path in folder.glob("*.json")}


def all_rules(groups: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for group in groups:
        yield from group["rules"]


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_kustomize_renders_the_variant(variant: str) -> None:
    assert render(VARIANTS[variant])


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_builtin_resources_validate_against_the_kubernetes_schemas(
    rendered: dict[str, list[Resource]], variant: str, version: str, tmp_path: Path
) -> None:
    validator = require_tool("kubernetes-validate", "pip install kubernetes-validate")
    builtin = [r for r in rendered[variant] if r["apiVersion"] in BUILTIN_API_GROUPS]
    assert builtin
    files = []
    for index, resource in enumerate(builtin):
        file = tmp_path / f"{index}-{resource['kind']}.yaml"
        file.write_text(yaml.safe_dump(resource), encoding="utf-8")
        files.append(str(file))
    result = subprocess.run(
        [validator, "--strict", "--quiet", "--kubernetes-version", version, *files],
        capture_output=True,
        text=True,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARN" not in output, output


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_resource_lands_in_the_monitoring_namespace(
    rendered: dict[str, list[Resource]], variant: str
) -> None:
    namespaces = {resource["metadata"].get("namespace") for resource in rendered[variant]}
    assert namespaces == {NAMESPACE}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_pod_meets_the_restricted_pod_security_standard(
    rendered: dict[str, list[Resource]], variant: str
) -> None:
    spec = pod_spec(rendered[variant])
    pod_security = spec.get("securityContext", {})
    assert not any(spec.get(field) for field in ("hostNetwork", "hostPID", "hostIPC"))
    for volume in spec.get("volumes", []):
        types = set(volume) - {"name"}
        assert types <= RESTRICTED_VOLUME_TYPES, volume
    for item in spec["containers"] + spec.get("initContainers", []):
        security = {**pod_security, **item.get("securityContext", {})}
        assert security.get("runAsNonRoot") is True
        assert security.get("runAsUser", 1) != 0
        assert security.get("seccompProfile", {}).get("type") in {"RuntimeDefault", "Localhost"}
        assert item["securityContext"].get("allowPrivilegeEscalation") is False
        assert not item["securityContext"].get("privileged", False)
        capabilities = item["securityContext"].get("capabilities", {})
        assert "ALL" in capabilities.get("drop", [])
        assert set(capabilities.get("add", [])) <= {"NET_BIND_SERVICE"}
        assert not any(port.get("hostPort") for port in item.get("ports", []))


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_container_root_filesystem_is_read_only(
    rendered: dict[str, list[Resource]], variant: str
) -> None:
    assert container(rendered[variant])["securityContext"]["readOnlyRootFilesystem"] is True


def test_container_runs_as_the_image_user(rendered: dict[str, list[Resource]]) -> None:
    dockerfile = (REPO / "deploy" / "docker" / "Dockerfile").read_text(encoding="utf-8")
    (user,) = re.findall(r"^USER (\d+)", dockerfile, re.MULTILINE)
    assert container(rendered["base"])["securityContext"]["runAsUser"] == int(user)


def test_liveness_probe_asks_healthz(rendered: dict[str, list[Resource]]) -> None:
    assert container(rendered["base"])["livenessProbe"]["httpGet"]["path"] == "/healthz"


def test_readiness_probe_asks_readyz(rendered: dict[str, list[Resource]]) -> None:
    assert container(rendered["base"])["readinessProbe"]["httpGet"]["path"] == "/readyz"


def test_container_requests_cpu_and_memory_and_limits_memory(
    rendered: dict[str, list[Resource]],
) -> None:
    resources = container(rendered["base"])["resources"]
    assert {"cpu", "memory"} <= set(resources["requests"])
    assert "memory" in resources["limits"]


def test_management_key_is_read_from_a_mounted_secret(
    rendered: dict[str, list[Resource]],
) -> None:
    key_file = Path(environment(rendered["base"])["OPENROUTER_MANAGEMENT_KEY_FILE"])
    volume = volume_at(rendered["base"], str(key_file.parent))
    (item,) = volume["secret"]["items"]
    assert item["path"] == key_file.name
    assert volume["secret"]["secretName"]


def test_secret_file_is_not_world_readable(rendered: dict[str, list[Resource]]) -> None:
    key_file = Path(environment(rendered["base"])["OPENROUTER_MANAGEMENT_KEY_FILE"])
    mode = volume_at(rendered["base"], str(key_file.parent))["secret"]["defaultMode"]
    assert mode & 0o007 == 0


def test_base_keeps_the_state_on_a_persistent_volume_claim(
    rendered: dict[str, list[Resource]],
) -> None:
    claim = volume_at(rendered["base"], STATE_DIR)["persistentVolumeClaim"]["claimName"]
    assert one(rendered["base"], "PersistentVolumeClaim")["metadata"]["name"] == claim
    assert environment(rendered["base"])["OPENROUTER_EXPORTER_STATE_DIR"] == STATE_DIR


@pytest.mark.parametrize("variant", ["ephemeral-state", "demo"])
def test_overlay_keeps_the_state_on_an_empty_dir_without_a_claim(
    rendered: dict[str, list[Resource]], variant: str
) -> None:
    volume = volume_at(rendered[variant], STATE_DIR)
    assert set(volume) == {"name", "emptyDir"}
    assert not of_kind(rendered[variant], "PersistentVolumeClaim")


def test_demo_overlay_runs_the_demo_without_a_secret(
    rendered: dict[str, list[Resource]],
) -> None:
    spec = pod_spec(rendered["demo"])
    assert container(rendered["demo"])["args"][0] == "demo"
    assert not any("secret" in volume for volume in spec["volumes"])
    assert "OPENROUTER_MANAGEMENT_KEY_FILE" not in environment(rendered["demo"])


def test_one_replica_is_replaced_not_rolled(rendered: dict[str, list[Resource]]) -> None:
    spec = one(rendered["base"], "Deployment")["spec"]
    assert spec["replicas"] == 1
    assert spec["strategy"]["type"] == "Recreate"


def test_service_selects_the_pods_on_the_http_metrics_port(
    rendered: dict[str, list[Resource]],
) -> None:
    service = one(rendered["base"], "Service")
    pod_labels = one(rendered["base"], "Deployment")["spec"]["template"]["metadata"]["labels"]
    (port,) = service["spec"]["ports"]
    container_ports = {p["name"]: p["containerPort"] for p in container(rendered["base"])["ports"]}
    assert service["spec"]["selector"].items() <= pod_labels.items()
    assert port["name"] == "http-metrics"
    assert port["targetPort"] in container_ports


def test_service_monitor_has_the_fields_the_operator_requires(
    rendered: dict[str, list[Resource]],
) -> None:
    monitor = one(rendered["base"], "ServiceMonitor")
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    assert monitor["metadata"]["name"]
    assert isinstance(monitor["spec"]["selector"]["matchLabels"], dict)
    assert monitor["spec"]["endpoints"]
    for endpoint in monitor["spec"]["endpoints"]:
        assert isinstance(endpoint["port"], str)
        assert DURATION.match(endpoint.get("interval", "0"))
        assert DURATION.match(endpoint.get("scrapeTimeout", "0"))


def test_service_monitor_scrapes_the_service_port_every_minute(
    rendered: dict[str, list[Resource]],
) -> None:
    monitor = one(rendered["base"], "ServiceMonitor")
    service = one(rendered["base"], "Service")
    (endpoint,) = monitor["spec"]["endpoints"]
    assert (
        monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    )
    assert endpoint["port"] in {port["name"] for port in service["spec"]["ports"]}
    assert endpoint["interval"] == "60s"


def test_prometheus_rule_has_the_fields_the_operator_requires(
    rendered: dict[str, list[Resource]],
) -> None:
    rule = one(rendered["base"], "PrometheusRule")
    assert rule["apiVersion"] == "monitoring.coreos.com/v1"
    assert rule["metadata"]["name"]
    groups = rule["spec"]["groups"]
    names = [group["name"] for group in groups]
    assert all(names)
    assert len(names) == len(set(names)), "group names must be unique (list-map key)"
    for item in all_rules(groups):
        assert isinstance(item["expr"], str | int)
        assert ("alert" in item) != ("record" in item), item
        for field in ("labels", "annotations"):
            assert all(isinstance(value, str) for value in item.get(field, {}).values()), item
        for field in ("for", "keep_firing_for"):
            assert DURATION.match(item.get(field, "0")), item


def test_prometheus_rule_carries_the_shipped_alert_rules(
    rendered: dict[str, list[Resource]],
) -> None:
    shipped = yaml.safe_load((REPO / "alerts" / "openrouter-alerts.yml").read_text("utf-8"))
    assert one(rendered["base"], "PrometheusRule")["spec"]["groups"] == shipped["groups"]


def test_dashboard_config_maps_carry_the_shipped_dashboards(
    rendered: dict[str, list[Resource]],
) -> None:
    carried: dict[str, str] = {}
    for config_map in of_kind(rendered["base"], "ConfigMap"):
        if config_map["metadata"].get("labels", {}).get("grafana_dashboard") == "1":
            carried.update(config_map["data"])
    shipped = shipped_dashboards()
    assert shipped, "no dashboards in grafana/dashboards/"
    assert {name: json.loads(text) for name, text in carried.items()} == {
        name: json.loads(text) for name, text in shipped.items()
    }


def test_dashboard_config_maps_fit_the_kubernetes_size_limit(
    rendered: dict[str, list[Resource]],
) -> None:
    for config_map in of_kind(rendered["base"], "ConfigMap"):
        size = sum(len(value.encode()) for value in config_map.get("data", {}).values())
        assert size < 1024 * 1024, config_map["metadata"]["name"]


def test_generated_copies_match_their_sources() -> None:
    result = subprocess.run(
        [sys.executable, str(KUBERNETES / "sync_copies.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
