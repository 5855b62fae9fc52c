"""The shipped alerting rules, their promtool tests, the Alertmanager example and runbooks.

promtool and amtool must be installed: a missing tool fails these tests (CI installs them).
The last tests start a real Prometheus with the rule file and a real Alertmanager with the
example configuration (receivers swapped for a local webhook).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from mixin.alerts import generate, rule_groups
from mixin.config import DEFAULT

from openrouter_simulator import Simulator
from tests.conftest import StartExporter
from tests.support.exporter import wait_until
from tests.support.prometheus import (
    ALERTMANAGER_EXAMPLE,
    REPOSITORY,
    RULES_FILE,
    AlertmanagerServer,
    PrometheusServer,
    WebhookReceiver,
    alertmanager_config_with_webhook,
    find_binary,
    load_yaml,
    start_alertmanager,
    start_prometheus,
)

Json = dict[str, Any]

RULE_TESTS = sorted((REPOSITORY / "alerts" / "tests").glob("*.yml"))
RUNBOOKS = REPOSITORY / "docs" / "runbooks.md"
ALERT_NAME = re.compile(r"^OpenRouter(?:[A-Z][a-z0-9]*)+$")
# Deprecated Alertmanager keys that `matchers` replaced.
DEPRECATED_MATCH_KEYS = {
    "match",
    "match_re",
    "source_match",
    "source_match_re",
    "target_match",
    "target_match_re",
}


def run_tool(*args: str) -> subprocess.CompletedProcess[str]:
    # A long promtool test file takes a minute on a busy two-core machine.
    return subprocess.run(args, capture_output=True, text=True, timeout=240, check=False)


def promtool() -> str:
    return find_binary("promtool", env="PROMTOOL_BINARY")


def amtool() -> str:
    return find_binary("amtool", env="AMTOOL_BINARY")


def alerting_rules() -> list[Json]:
    groups = load_yaml(RULES_FILE)["groups"]
    return [rule for group in groups for rule in group["rules"] if "alert" in rule]


def alert_names() -> set[str]:
    return {rule["alert"] for rule in alerting_rules()}


def github_anchor(heading: str) -> str:
    slug = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return slug.replace(" ", "-")


def runbook_sections() -> dict[str, str]:
    """Level-2 sections of docs/runbooks.md by anchor."""
    sections: dict[str, str] = {}
    current: str | None = None
    for line in RUNBOOKS.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            current = github_anchor(line[3:])
            sections[current] = ""
        elif current is not None:
            sections[current] += line + "\n"
    return sections


def alert_rule_tests() -> list[Json]:
    cases: list[Json] = []
    for path in RULE_TESTS:
        for group in load_yaml(path)["tests"]:
            cases.extend(group.get("alert_rule_test", []))
    return cases


def walk(node: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)


# The tools -------------------------------------------------------------------------------


def test_promtool_check_rules_accepts_the_rule_file() -> None:
    result = run_tool(promtool(), "check", "rules", str(RULES_FILE))
    assert result.returncode == 0, result.stdout + result.stderr


def test_alerts_tests_holds_promtool_test_files() -> None:
    assert RULE_TESTS, "alerts/tests/ holds no promtool test file"


@pytest.mark.parametrize("rule_test", RULE_TESTS, ids=lambda path: path.stem)
def test_promtool_unit_tests_pass(rule_test: Path) -> None:
    result = run_tool(promtool(), "test", "rules", str(rule_test))
    assert result.returncode == 0, result.stdout + result.stderr


def test_amtool_accepts_the_alertmanager_example() -> None:
    result = run_tool(amtool(), "check-config", str(ALERTMANAGER_EXAMPLE))
    assert result.returncode == 0, result.stdout + result.stderr


def test_alertmanager_example_receiver_templates_render(tmp_path: Path) -> None:
    templates = [
        value
        for _, value in walk(load_yaml(ALERTMANAGER_EXAMPLE)["receivers"])
        if isinstance(value, str) and "{{" in value
    ]
    assert templates
    glob = tmp_path / "none.tmpl"
    glob.write_text('{{ define "none" }}{{ end }}\n', encoding="utf-8")
    for template in templates:
        result = run_tool(
            amtool(), "template", "render", f"--template.glob={glob}", f"--template.text={template}"
        )
        assert result.returncode == 0, f"{template!r}: {result.stderr}"


def render_slack_text(tmp_path: Path, dashboard_url: str) -> str:
    """The chat receiver's message text for one firing alert, rendered by amtool."""
    (slack,) = next(r for r in load_yaml(ALERTMANAGER_EXAMPLE)["receivers"] if r["name"] == "chat")[
        "slack_configs"
    ]
    data = tmp_path / "data.json"
    alert = {
        "status": "firing",
        "labels": {"alertname": "OpenRouterSpendSpike", "account": "acme"},
        "annotations": {
            "summary": "acme: spend 4.0x the 7-day average",
            "description": "More.",
            "runbook_url": "https://runbooks.example.com/#openrouterspendspike",
            "dashboard_url": dashboard_url,
        },
    }
    data.write_text(
        json.dumps({"status": "firing", "alerts": [alert], "groupLabels": {"account": "acme"}}),
        encoding="utf-8",
    )
    glob = tmp_path / "none.tmpl"
    glob.write_text('{{ define "none" }}{{ end }}\n', encoding="utf-8")
    result = run_tool(
        amtool(),
        "template",
        "render",
        f"--template.glob={glob}",
        f"--template.data={data}",
        f"--template.text={slack['text']}",
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_slack_text_has_no_dashboard_link_without_a_dashboard_url(tmp_path: Path) -> None:
    text = render_slack_text(tmp_path, "")
    assert "<https://runbooks.example.com/#openrouterspendspike|Runbook>" in text
    assert "Dashboard" not in text
    assert "<|" not in text


def test_slack_text_links_the_dashboard_when_there_is_a_url(tmp_path: Path) -> None:
    text = render_slack_text(tmp_path, "https://grafana.example.com/d/openrouter-overview")
    assert "<https://grafana.example.com/d/openrouter-overview|Dashboard>" in text


@pytest.mark.parametrize(("severity", "receiver"), [("critical", "pager"), ("warning", "chat")])
def test_alertmanager_example_routes_by_severity(severity: str, receiver: str) -> None:
    result = run_tool(
        amtool(),
        "config",
        "routes",
        "test",
        f"--config.file={ALERTMANAGER_EXAMPLE}",
        "alertname=OpenRouterCreditsRunwayLow",
        "account=default",
        f"severity={severity}",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [receiver]


# The rules' shape ------------------------------------------------------------------------


def test_alert_names_are_camel_case_starting_with_openrouter() -> None:
    assert {name for name in alert_names() if not ALERT_NAME.match(name)} == set()


def test_every_alert_has_a_for_duration() -> None:
    assert [rule["alert"] for rule in alerting_rules() if not rule.get("for")] == []


def test_every_alert_is_warning_or_critical() -> None:
    severities = {
        rule["alert"]: rule.get("labels", {}).get("severity") for rule in alerting_rules()
    }
    assert {name: s for name, s in severities.items() if s not in {"warning", "critical"}} == {}


def test_every_alert_has_the_four_annotations() -> None:
    wanted = {"summary", "description", "runbook", "dashboard_url"}
    missing = {
        rule["alert"]: wanted - set(rule.get("annotations", {}))
        for rule in alerting_rules()
        if wanted - set(rule.get("annotations", {}))
    }
    assert missing == {}


def test_every_summary_names_the_account_or_the_target() -> None:
    unnamed = [
        rule["alert"]
        for rule in alerting_rules()
        if not re.search(r"\$labels\.(account|instance)", rule["annotations"]["summary"])
    ]
    assert unnamed == []


def promtool_firing_alerts() -> list[tuple[str, Json, Json]]:
    """(alertname, labels, annotations) of every alert the promtool tests expect to fire:
    the annotations as Prometheus renders them (promtool checks they are)."""
    return [
        (case["alertname"], expected["exp_labels"], expected["exp_annotations"])
        for case in alert_rule_tests()
        for expected in case.get("exp_alerts") or []
    ]


def test_every_rendered_summary_names_its_account_and_key() -> None:
    found = promtool_firing_alerts()
    assert {name for name, _, _ in found} == alert_names()
    unnamed = [
        (name, annotations["summary"])
        for name, labels, annotations in found
        if not annotations["summary"].startswith(f"{labels.get('account', '')}")
        or labels.get("key_name", "") not in annotations["summary"]
        or (
            name == "OpenRouterExporterDown"
            and labels.get("instance", "") not in annotations["summary"]
        )
    ]
    assert unnamed == []


def test_every_rendered_summary_carries_a_figure_and_fits_a_pager_line() -> None:
    """The one figure that matters, in a line a pager shows whole. The auth and exporter
    alerts' figure is the endpoint or target, not a number."""
    loose = [
        (name, annotations["summary"])
        for name, _, annotations in promtool_firing_alerts()
        if len(annotations["summary"]) > 120
        or (
            name not in {"OpenRouterAPIAuthFailing", "OpenRouterExporterDown"}
            and not re.search(r"\d", annotations["summary"])
        )
    ]
    assert loose == []


def test_every_rendered_description_fits_a_chat_message() -> None:
    long = [
        (name, len(annotations["description"]))
        for name, _, annotations in promtool_firing_alerts()
        if len(annotations["description"]) > 600
    ]
    assert long == []


def test_burning_fast_says_which_tier_fired() -> None:
    tiers = {
        (t.long, t.short, f"{t.factor:g}", severity)
        for t in DEFAULT.burn_tiers
        for severity in ("warning", "critical")
    }
    labelled = {
        (
            r["labels"].get("long_window"),
            r["labels"].get("short_window"),
            r["labels"].get("factor"),
            r["labels"]["severity"],
        )
        for r in alerting_rules()
        if r["alert"] == "OpenRouterCreditsBurningFast"
    }
    assert labelled == tiers


def test_burning_fast_reports_the_multiple_of_the_tier_that_crossed() -> None:
    """A 10x burn that has only crossed the sustained tier (2h at 2x) says 2.2x over 2h,
    not the runaway tier's windows; once the runaway tier crosses, its 30m multiple."""
    summaries = {
        labels["long_window"]: annotations["summary"]
        for name, labels, annotations in promtool_firing_alerts()
        if name == "OpenRouterCreditsBurningFast" and labels["account"] == "runaway-10x"
    }
    assert summaries["2h"].startswith("runaway-10x: spending 2.")
    assert " over 2h;" in summaries["2h"]
    assert summaries["30m"].startswith("runaway-10x: spending 6.")
    assert " over 30m;" in summaries["30m"]


def test_summaries_quote_the_accounts_own_runway_threshold() -> None:
    runway = [
        r["annotations"]["summary"]
        for r in alerting_rules()
        if r["alert"] == "OpenRouterCreditsRunwayLow"
    ]
    assert all("openrouter_runway_threshold_days" in summary for summary in runway)
    texts = " ".join(text for r in alerting_rules() for text in r["annotations"].values())
    assert "within a day" not in texts


def test_runbooks_name_the_shipped_file_and_the_alerts_own_section() -> None:
    wrong = {
        rule["alert"]: rule["annotations"]["runbook"]
        for rule in alerting_rules()
        if rule["annotations"]["runbook"] != "docs/runbooks.md#" + rule["alert"].lower()
    }
    assert wrong == {}


def test_without_a_runbook_base_url_no_alert_links_a_runbook_page() -> None:
    assert [r["alert"] for r in alerting_rules() if "runbook_url" in r["annotations"]] == []


def test_a_runbook_base_url_gives_each_alert_a_link_to_its_section() -> None:
    base = "https://wiki.internal/openrouter/runbooks"
    rules = [
        rule
        for group in rule_groups(replace(DEFAULT, runbook_base_url=base))["groups"]
        for rule in group["rules"]
        if "alert" in rule
    ]
    links = {rule["annotations"].get("runbook_url") for rule in rules}
    assert links == {f"{base}#{rule['alert'].lower()}" for rule in rules}
    assert [rule["alert"] for rule in rules if "runbook" in rule["annotations"]] == []


def test_every_runbook_anchor_exists_in_docs_runbooks() -> None:
    anchors = set(runbook_sections())
    assert {name.lower() for name in alert_names()} - anchors == set()


@pytest.mark.parametrize(
    "part", ["**What it means.**", "**How to check.**", "**What to do.**", "**How to tune.**"]
)
def test_every_runbook_section_has_its_part(part: str) -> None:
    sections = runbook_sections()
    lacking = [name for name in alert_names() if part not in sections.get(name.lower(), "")]
    assert lacking == []


KEY_ALERTS = {"OpenRouterKeyLimitLow", "OpenRouterKeyExpiringSoon", "OpenRouterKeySpendRunaway"}
# The anomaly alerts name one key or one model: they open the drill-down filtered to it.
DRILLDOWN_ALERTS = {"OpenRouterKeySpendAnomaly", "OpenRouterModelSpendAnomaly"}


def test_dashboard_urls_open_the_overview_dashboard() -> None:
    wrong = [
        rule["alert"]
        for rule in alerting_rules()
        if rule["alert"].startswith("OpenRouter")
        and rule["alert"] not in KEY_ALERTS | DRILLDOWN_ALERTS
        and (
            "/d/openrouter-overview" not in rule["annotations"]["dashboard_url"]
            or "$externalLabels.grafana_url" not in rule["annotations"]["dashboard_url"]
        )
    ]
    assert wrong == []


def test_key_alerts_open_the_drilldown_with_their_key_selected() -> None:
    links = {
        rule["annotations"]["dashboard_url"]
        for rule in alerting_rules()
        if rule["alert"] in KEY_ALERTS
    }
    assert links == {
        '{{ with $externalLabels.grafana_url }}{{ . | reReplaceAll "/+$" "" }}'
        "/d/openrouter-drilldown?var-account={{ $labels.account | urlquery }}"
        "&var-key={{ $labels.key_hash | urlquery }}{{ end }}"
    }


def test_anomaly_alerts_open_the_drilldown_filtered_to_their_key_or_model() -> None:
    urls = {
        rule["alert"]: rule["annotations"]["dashboard_url"]
        for rule in alerting_rules()
        if rule["alert"] in DRILLDOWN_ALERTS
    }
    assert "/d/openrouter-drilldown?" in urls["OpenRouterKeySpendAnomaly"]
    assert "&var-key={{ $labels.key_hash | urlquery }}" in urls["OpenRouterKeySpendAnomaly"]
    assert "&var-model={{ $labels.model | urlquery }}" in urls["OpenRouterModelSpendAnomaly"]


def test_rule_groups_follow_the_global_evaluation_interval() -> None:
    groups = load_yaml(RULES_FILE)["groups"]
    assert [group["name"] for group in groups if "interval" in group] == []


def test_runway_alerts_wait_five_minutes() -> None:
    durations = {r["for"] for r in alerting_rules() if r["alert"] == "OpenRouterCreditsRunwayLow"}
    assert durations == {"5m"}


def test_every_alert_has_a_promtool_case_where_it_fires() -> None:
    firing = {case["alertname"] for case in alert_rule_tests() if case.get("exp_alerts")}
    assert alert_names() - firing == set()


def test_every_alert_has_a_promtool_case_where_it_must_not_fire() -> None:
    silent = {case["alertname"] for case in alert_rule_tests() if not case.get("exp_alerts")}
    assert alert_names() - silent == set()


def test_every_severity_of_every_alert_is_seen_firing_in_promtool_tests() -> None:
    declared = {(r["alert"], r["labels"]["severity"]) for r in alerting_rules()}
    seen = {
        (case["alertname"], alert["exp_labels"]["severity"])
        for case in alert_rule_tests()
        for alert in case.get("exp_alerts") or []
    }
    assert declared - seen == set()


def test_promtool_firing_cases_pin_every_annotation() -> None:
    loose = [
        (case["alertname"], case["eval_time"])
        for case in alert_rule_tests()
        for alert in case.get("exp_alerts") or []
        if set(alert.get("exp_annotations") or {})
        != {"summary", "description", "runbook", "dashboard_url"}
    ]
    assert loose == []


def test_promtool_test_files_load_the_shipped_rule_file() -> None:
    for path in RULE_TESTS:
        files = [(path.parent / name).resolve() for name in load_yaml(path)["rule_files"]]
        assert files == [RULES_FILE.resolve()], path


def test_every_metric_the_rules_read_is_exposed_by_the_exporter(
    simulator: Simulator, start: StartExporter
) -> None:
    """Names from the expressions and the description queries, against the families a
    real exporter declares (a family is declared even while it has no series)."""
    exporter = start(simulator)
    declared = set(re.findall(r"^# TYPE (\S+) ", exporter.metrics_text(), re.MULTILINE))
    texts = [rule["expr"] for rule in alerting_rules()] + [
        value for rule in alerting_rules() for value in rule["annotations"].values()
    ]
    # Recording rules' names (level:metric:operations) are the rules' own, not the exporter's.
    used = {
        name
        for text in texts
        for name in re.findall(r"(?<![\w:])openrouter_\w*[a-z](?![\w:])", text)
    }
    assert used
    assert used - declared == set()


# The Alertmanager example's shape ----------------------------------------------------------


def test_alertmanager_example_uses_matchers_not_match() -> None:
    used = {key for key, _ in walk(load_yaml(ALERTMANAGER_EXAMPLE))} & DEPRECATED_MATCH_KEYS
    assert used == set()


def test_warning_is_inhibited_by_critical_of_the_same_alert_and_account() -> None:
    rules = load_yaml(ALERTMANAGER_EXAMPLE)["inhibit_rules"]
    severity_rules = [
        rule
        for rule in rules
        if 'severity="critical"' in rule["source_matchers"]
        and 'severity="warning"' in rule["target_matchers"]
    ]
    assert len(severity_rules) == 1
    assert {"alertname", "account"} <= set(severity_rules[0]["equal"])


def test_every_inhibition_is_scoped_to_an_account() -> None:
    rules = load_yaml(ALERTMANAGER_EXAMPLE)["inhibit_rules"]
    assert [rule for rule in rules if "account" not in rule["equal"]] == []


def test_openrouter_alerts_are_grouped_by_account_and_alertname() -> None:
    routes = load_yaml(ALERTMANAGER_EXAMPLE)["route"]["routes"]
    ours = [r for r in routes if 'alertname=~"OpenRouter.+"' in r.get("matchers", [])]
    assert len(ours) == 1
    assert {"account", "alertname"} <= set(ours[0]["group_by"])


def test_the_runbook_names_only_inhibitions_the_example_has() -> None:
    """docs/runbooks.md's "Inhibition" paragraph against the example's inhibit rules."""
    paragraph = RUNBOOKS.read_text(encoding="utf-8").split("**Inhibition.**")[1].split("\n- ")[0]
    sources = {
        matcher.split('"')[1]
        for rule in load_yaml(ALERTMANAGER_EXAMPLE)["inhibit_rules"]
        for matcher in rule["source_matchers"]
        if matcher.startswith("alertname=")
    }
    named_as_muting = set(re.findall(r"`(OpenRouter\w+)` mutes", paragraph))
    assert named_as_muting <= sources
    assert "runway mutes" not in paragraph


def test_inhibitions_name_only_alerts_that_exist() -> None:
    named = set()
    for rule in load_yaml(ALERTMANAGER_EXAMPLE)["inhibit_rules"]:
        for matcher in rule["source_matchers"] + rule["target_matchers"]:
            found = re.fullmatch(r'alertname(=~?)"(.*)"', matcher)
            if found and found.group(1) == "=":
                named.add(found.group(2))
            elif found:
                named.update(n for n in found.group(2).split("|") if ".+" not in n)
    assert named - alert_names() == set()


# A real Prometheus with the shipped rules ------------------------------------------------


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrometheusServer]:
    """Prometheus with the rule file and no exporter at all, like every Prometheus that
    picks up a shared PrometheusRule without scraping the exporter."""
    with start_prometheus(
        tmp_path_factory.mktemp("prometheus"),
        rule_files=[RULES_FILE],
        evaluation_interval="1s",
    ) as server:
        yield server


def test_prometheus_evaluates_every_shipped_rule_without_error(
    prometheus: PrometheusServer,
) -> None:
    rules = prometheus.wait_for_rules_evaluated(timeout=60)
    assert {rule["name"] for rule in rules if rule["type"] == "alerting"} == alert_names()
    assert [(r["name"], r.get("lastError")) for r in rules if r["health"] != "ok"] == []


def test_a_prometheus_that_scrapes_no_exporter_raises_no_alert(
    prometheus: PrometheusServer,
) -> None:
    prometheus.wait_for_rules_evaluated(timeout=60)
    assert prometheus.alerts() == []


# The rules are generated from the mixin config --------------------------------------------


def stale_rule_files(root: Path = REPOSITORY) -> list[Path]:
    return [file.path for file in generate(DEFAULT) if file.stale(root)]


def test_the_shipped_rule_file_is_what_the_mixin_generates() -> None:
    assert stale_rule_files() == []


def test_python_m_mixin_check_exits_1_on_drift(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mixin", "--check"],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    edited = tmp_path / "alerts" / "openrouter-alerts.yml"
    edited.parent.mkdir()
    edited.write_text(RULES_FILE.read_text(encoding="utf-8").replace("for: 5m", "for: 6m"))
    assert stale_rule_files(tmp_path) == [Path("alerts/openrouter-alerts.yml")]


def test_the_selector_reaches_every_series_of_the_exporter_and_up() -> None:
    rules = rule_groups(replace(DEFAULT, selector='job="llm-costs"'))
    queries = [
        text
        for group in rules["groups"]
        for rule in group["rules"]
        for text in [
            rule["expr"],
            *re.findall(r"`([^`]*)`", " ".join(rule.get("annotations", {}).values())),
        ]
    ]
    series = re.findall(r"(?<![\w:])(openrouter_\w+|up)\b(\{[^}]*\})?", "\n".join(queries))
    assert len(series) > 50
    assert [name for name, matchers in series if not matchers.startswith('{job="llm-costs"')] == []


def test_a_configured_grafana_url_replaces_the_external_label() -> None:
    rules = rule_groups(replace(DEFAULT, grafana_url="https://grafana.example.com/"))
    links = {
        rule["annotations"]["dashboard_url"]
        for group in rules["groups"]
        for rule in group["rules"]
        if "alert" in rule
    }
    account = "?var-account={{ $labels.account | urlquery }}"
    base = "https://grafana.example.com/d/openrouter-overview"
    drilldown = "https://grafana.example.com/d/openrouter-drilldown" + account
    assert links == {
        base + account,
        base,
        drilldown + "&var-key={{ $labels.key_hash | urlquery }}",
        drilldown + "&var-model={{ $labels.model | urlquery }}",
    }


# A real Alertmanager with the example configuration --------------------------------------


@pytest.fixture(scope="module")
def webhook() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture(scope="module")
def alertmanager(
    tmp_path_factory: pytest.TempPathFactory, webhook: WebhookReceiver
) -> Iterator[AlertmanagerServer]:
    config = alertmanager_config_with_webhook(load_yaml(ALERTMANAGER_EXAMPLE), webhook.url)
    with start_alertmanager(tmp_path_factory.mktemp("alertmanager"), config) as server:
        yield server


def openrouter_alert(name: str, severity: str, **labels: str) -> Json:
    return {
        "labels": {"alertname": name, "severity": severity, **labels},
        "annotations": {"summary": name, "description": name},
    }


def states(server: AlertmanagerServer, account: str) -> dict[tuple[str, str], str]:
    return {
        (alert["labels"]["alertname"], alert["labels"]["severity"]): alert["status"]["state"]
        for alert in server.alerts(account=account)
    }


def test_exhausted_credits_mute_every_other_credit_alert_of_the_account(
    alertmanager: AlertmanagerServer,
) -> None:
    alertmanager.post_alerts(
        [
            openrouter_alert("OpenRouterCreditsExhausted", "critical", account="broke"),
            openrouter_alert("OpenRouterCreditsRunwayLow", "critical", account="broke"),
            openrouter_alert("OpenRouterCreditsRunwayLow", "warning", account="broke"),
            openrouter_alert("OpenRouterBalanceBelowFloor", "critical", account="broke"),
            openrouter_alert("OpenRouterSpendSpike", "warning", account="broke"),
        ]
    )
    wait_until(lambda: len(states(alertmanager, "broke")) == 5, 30, "five alerts are stored")
    assert states(alertmanager, "broke") == {
        ("OpenRouterCreditsExhausted", "critical"): "active",
        ("OpenRouterCreditsRunwayLow", "critical"): "suppressed",
        ("OpenRouterCreditsRunwayLow", "warning"): "suppressed",
        ("OpenRouterBalanceBelowFloor", "critical"): "suppressed",
        ("OpenRouterSpendSpike", "warning"): "suppressed",
    }


def test_a_critical_mutes_its_warning_for_the_same_account_only(
    alertmanager: AlertmanagerServer,
) -> None:
    alertmanager.post_alerts(
        [
            openrouter_alert("OpenRouterCreditsRunwayLow", "critical", account="draining"),
            openrouter_alert("OpenRouterCreditsRunwayLow", "warning", account="draining"),
            openrouter_alert("OpenRouterCreditsRunwayLow", "warning", account="other"),
        ]
    )
    wait_until(
        lambda: len(alertmanager.alerts("OpenRouterCreditsRunwayLow", severity="warning")) >= 2,
        30,
        "both warnings are stored",
    )
    assert states(alertmanager, "draining")[("OpenRouterCreditsRunwayLow", "warning")] == (
        "suppressed"
    )
    assert states(alertmanager, "other")[("OpenRouterCreditsRunwayLow", "warning")] == "active"


def test_a_critical_key_alert_does_not_mute_another_keys_warning(
    alertmanager: AlertmanagerServer,
) -> None:
    alertmanager.post_alerts(
        [
            openrouter_alert("OpenRouterKeyLimitLow", "critical", account="keys", key_hash="a1"),
            openrouter_alert("OpenRouterKeyLimitLow", "warning", account="keys", key_hash="a1"),
            openrouter_alert("OpenRouterKeyLimitLow", "warning", account="keys", key_hash="b2"),
        ]
    )
    wait_until(
        lambda: len(alertmanager.alerts(account="keys")) == 3, 30, "three key alerts are stored"
    )
    found = {
        (a["labels"]["key_hash"], a["labels"]["severity"]): a["status"]["state"]
        for a in alertmanager.alerts(account="keys")
    }
    assert found == {
        ("a1", "critical"): "active",
        ("a1", "warning"): "suppressed",
        ("b2", "warning"): "active",
    }


def test_a_critical_reaches_the_pager_receiver(
    alertmanager: AlertmanagerServer, webhook: WebhookReceiver
) -> None:
    alertmanager.post_alerts(
        [openrouter_alert("OpenRouterCreditsBurningFast", "critical", account="paged")]
    )
    note = webhook.wait_for_alert("OpenRouterCreditsBurningFast", timeout=60, account="paged")
    assert (note["receiver"], note["groupLabels"]) == (
        "pager",
        {"account": "paged", "alertname": "OpenRouterCreditsBurningFast"},
    )


def test_two_problems_of_one_account_reach_the_pager_as_two_notifications(
    alertmanager: AlertmanagerServer, webhook: WebhookReceiver
) -> None:
    """A key-limit page, then exhausted credits: the second is a new incident, not an
    update of the first (which may be acknowledged already)."""
    account = "two-problems"
    alertmanager.post_alerts(
        [openrouter_alert("OpenRouterKeyLimitLow", "critical", account=account, key_hash="a1")]
    )
    first = webhook.wait_for_alert("OpenRouterKeyLimitLow", timeout=60, account=account)
    alertmanager.post_alerts(
        [
            openrouter_alert("OpenRouterKeyLimitLow", "critical", account=account, key_hash="a1"),
            openrouter_alert("OpenRouterCreditsExhausted", "critical", account=account),
        ]
    )
    second = webhook.wait_for_alert("OpenRouterCreditsExhausted", timeout=60, account=account)
    assert (first["receiver"], second["receiver"]) == ("pager", "pager")
    assert first["groupKey"] != second["groupKey"]
    assert [a["labels"]["alertname"] for a in second["alerts"]] == ["OpenRouterCreditsExhausted"]


def test_a_warning_reaches_the_chat_receiver(
    alertmanager: AlertmanagerServer, webhook: WebhookReceiver
) -> None:
    alertmanager.post_alerts(
        [openrouter_alert("OpenRouterSpendSpike", "warning", account="chatty")]
    )
    note = webhook.wait_for_alert("OpenRouterSpendSpike", timeout=60, account="chatty")
    assert (note["receiver"], note["groupLabels"]) == (
        "chat",
        {"account": "chatty", "alertname": "OpenRouterSpendSpike"},
    )
