"""deploy/k8s checked as a cluster would read it, without a cluster: every manifest against
the Kubernetes API's own JSON schemas (kubernetes-validate, which ships them: nothing is
downloaded), strictly (an unknown or misspelt field fails), for the oldest and the newest
Kubernetes minor it knows; then what the issue asked of the deployment, one check each."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
K8S = ROOT / "deploy" / "k8s"
VERSIONS = ("1.29.0", kubernetes_validate.latest_version())


def _kustomization() -> dict[str, Any]:
    return yaml.safe_load((K8S / "kustomization.yaml").read_text())


def _resources() -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for name in _kustomization()["resources"]:
        docs += [d for d in yaml.safe_load_all((K8S / name).read_text()) if d]
    return docs


def _named(kind: str, name: str) -> dict[str, Any]:
    return next(d for d in _resources() if d["kind"] == kind and d["metadata"]["name"] == name)


def _workloads() -> list[dict[str, Any]]:
    return [d for d in _resources() if d["kind"] in ("Deployment", "StatefulSet")]


@pytest.mark.parametrize("version", VERSIONS)
def test_every_manifest_is_valid_for_the_kubernetes_api(version: str) -> None:
    resources = _resources()
    assert len(resources) > 20
    for resource in resources:
        kubernetes_validate.validate(resource, version, strict=True)


def test_the_validator_catches_a_broken_manifest() -> None:
    broken = _named("StatefulSet", "rasa")
    broken["spec"]["template"]["spec"]["containers"][0]["readinessProb"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, VERSIONS[-1], strict=True)


def test_only_the_public_front_end_is_published() -> None:
    published = [d for d in _resources() if d["kind"] == "Service"
                 and d["spec"].get("type") in ("LoadBalancer", "NodePort")]
    assert [d["metadata"]["name"] for d in published] == ["balancer-public"]
    public = published[0]["spec"]
    assert [p["targetPort"] for p in public["ports"]] == [8080]  # not 5005, not 5055
    # shoppers' own addresses reach HAProxy (per-client limits, sticky socket.io)
    assert public["externalTrafficPolicy"] == "Local"
    config = (K8S / "haproxy.cfg").read_text()
    public_frontend = config[config.index("frontend public"):]
    assert "bind :8080" in public_frontend
    assert "deny deny_status 404 if !chat !socketio !widget" in public_frontend
    assert "deny deny_status 404 if { path /webhooks/rest/ready }" in public_frontend


def test_the_balancer_names_every_server_fully_qualified() -> None:
    namespace = _kustomization()["namespace"]
    servers = [line.split()[2] for line in (K8S / "haproxy.cfg").read_text().splitlines()
               if line.strip().startswith("server ")]
    assert servers
    for address in servers:
        host = address.rsplit(":", 1)[0]
        assert host.endswith(f".{namespace}.svc.cluster.local"), address


def test_every_container_has_liveness_and_readiness_probes() -> None:
    for workload in _workloads():
        for container in workload["spec"]["template"]["spec"]["containers"]:
            where = f"{workload['metadata']['name']}/{container['name']}"
            assert "livenessProbe" in container, where
            assert "readinessProbe" in container, where
    rasa = _named("StatefulSet", "rasa")["spec"]["template"]["spec"]["containers"][0]
    assert rasa["readinessProbe"]["httpGet"]["path"] == "/webhooks/rest/ready"
    assert rasa["livenessProbe"]["httpGet"]["path"] == "/"
    assert "startupProbe" in rasa  # loading the model is not a failed liveness check


def test_every_replicated_workload_has_a_disruption_budget() -> None:
    budgets = {
        tuple(sorted(d["spec"]["selector"]["matchLabels"].items()))
        for d in _resources() if d["kind"] == "PodDisruptionBudget"
    }
    for workload in _workloads():
        if workload["spec"]["replicas"] > 1:
            labels = tuple(sorted(workload["spec"]["selector"]["matchLabels"].items()))
            assert labels in budgets, workload["metadata"]["name"]


def test_application_pods_wait_for_the_migrations_and_nothing_seeds_demo_data() -> None:
    job = _named("Job", "shopdesk-migrate")["spec"]["template"]["spec"]["containers"][0]
    assert "seed" not in " ".join(job["command"])
    for workload in _workloads():
        if workload["metadata"]["name"] in ("postgres", "redis", "balancer"):
            continue
        init = workload["spec"]["template"]["spec"].get("initContainers", [])
        commands = [" ".join(c["command"]) for c in init]
        assert any("-m bot wait-migrated" in c for c in commands), workload["metadata"]["name"]


def test_the_agent_inbox_is_exposed_and_ticket_links_point_at_it() -> None:
    service = _named("Service", "handoff")
    assert [p["port"] for p in service["spec"]["ports"]] == [8200]
    ingress = _named("Ingress", "agent-inbox")["spec"]
    host = ingress["rules"][0]["host"]
    assert ingress["tls"][0]["hosts"] == [host]
    config = _named("ConfigMap", "shopdesk-config")["data"]
    assert config["HELPDESK_PUBLIC_URL"] == f"https://{host}"


def test_redis_has_a_password_and_keeps_its_data() -> None:
    redis = _named("StatefulSet", "redis")
    container = redis["spec"]["template"]["spec"]["containers"][0]
    script = " ".join(container["command"])
    assert "requirepass" in script and "appendonly yes" in script
    assert "$REDIS_PASSWORD" in script  # from the secret, expanded by the shell
    assert [m["mountPath"] for m in container["volumeMounts"]] == ["/data"]
    assert redis["spec"]["volumeClaimTemplates"][0]["metadata"]["name"] == "data"
