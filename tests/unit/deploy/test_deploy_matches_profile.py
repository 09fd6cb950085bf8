"""deploy/ (docker-compose, Kubernetes) cannot run here; these checks keep it equal to the
profile the launcher starts and tests/faults tests: the same settings, counts, endpoints and
HAProxy configuration."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from bot import lb
from bot.profiles import Profile
from bot.stack import Scale
from common.settings import SECRET
from integrations.shopify.settings import ShopifySettings

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
# Secrets a Kubernetes operator puts in `shopdesk-secrets` (deploy/README.md says how).
K8S_SECRET_KEYS = {
    "RASA_API_TOKEN", "RASA_TOKEN", "SHOPDESK_VERIFICATION_SECRET", "SHOPDESK_IDENTITY_SECRET",
    "STORE_DATABASE_URL", "HELPDESK_DATABASE_URL", "RASA_DB_PASSWORD", "HANDOFF_RASA_EVENTS_URL",
    "HELPDESK_AGENT_PASSWORD", "REDIS_PASSWORD", "ACTION_SERVER_TOKEN", "STORE_API_TOKEN",
    "SHOPDESK_ALLOWED_ORIGINS",
}
NAMESPACE = "shopdesk"  # deploy/k8s/kustomization.yaml


def _profile_needs() -> set[str]:
    """The settings the production profile refuses to start without, as it reports them."""
    try:
        Profile.from_env({"SHOPDESK_PROFILE": "production"})
    except ValueError as exc:
        return {name.strip() for name in str(exc).split(":", 1)[1].split(",")}
    raise AssertionError("the production profile started with no settings")


def _compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def _k8s() -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all((DEPLOY / "k8s" / "shopdesk.yaml").read_text()) if d]


def _k8s_named(kind: str, name: str) -> dict[str, Any]:
    return next(d for d in _k8s() if d["kind"] == kind and d["metadata"]["name"] == name)


def test_the_profile_reports_what_it_needs() -> None:
    assert {"RASA_API_TOKEN", "RASA_DB_HOST", "REDIS_HOST"} <= _profile_needs()


def test_compose_gives_every_process_what_the_profile_needs() -> None:
    services = _compose()["services"]
    for name, service in services.items():
        if name in {"postgres", "redis", "balancer"}:
            continue
        env = service["environment"]
        missing = _profile_needs() - set(env)
        assert not missing, f"{name} lacks {missing}"
        assert env["SHOPDESK_PROFILE"] == "production"


def test_compose_runs_the_default_counts() -> None:
    services = set(_compose()["services"])
    scale = Scale.from_env({})
    assert {s for s in services if s.startswith("rasa-")} == {
        f"rasa-{i}" for i in range(1, scale.rasa_instances + 1)
    }
    assert {s for s in services if s.startswith("actions-")} == {
        f"actions-{i}" for i in range(1, scale.action_servers + 1)
    }
    assert {s for s in services if s.startswith("handoff-")} == {
        f"handoff-{i}" for i in range(1, scale.outbox_workers + 1)
    }


def test_compose_rasa_uses_the_production_endpoints_and_the_balancer() -> None:
    rasa = _compose()["services"]["rasa-1"]
    command = " ".join(rasa["command"])
    assert "--endpoints bot/endpoints.production.yml" in command
    assert "-m bot.rasa_server" in command  # the token from the environment
    assert "--auth-token" not in command and "--cors" not in command
    assert rasa["environment"]["ACTION_SERVER_URL"] == "http://balancer:5055/webhook"


def test_compose_haproxy_config_is_the_template_rendered_for_its_services() -> None:
    scale = Scale.from_env({})
    expected = lb.render(
        rasa_bind=":5005",
        actions_bind=":5055",
        rasa_servers=[f"rasa-{i}:5005" for i in range(1, scale.rasa_instances + 1)],
        action_servers=[f"actions-{i}:5055" for i in range(1, scale.action_servers + 1)],
        errors_dir="/usr/local/etc/haproxy/errors",
        public_bind=":8080",
        store_server="store:8100",
    )
    assert (DEPLOY / "haproxy" / "haproxy.cfg").read_text() == expected


def test_kubernetes_counts_settings_and_haproxy_config_match() -> None:
    scale = Scale.from_env({})
    assert _k8s_named("StatefulSet", "rasa")["spec"]["replicas"] == scale.rasa_instances
    assert _k8s_named("StatefulSet", "actions")["spec"]["replicas"] == scale.action_servers
    assert _k8s_named("Deployment", "handoff")["spec"]["replicas"] == scale.outbox_workers
    config = set(_k8s_named("ConfigMap", "shopdesk-config")["data"])
    missing = _profile_needs() - config - K8S_SECRET_KEYS
    assert not missing, f"neither the ConfigMap nor the secret has {missing}"
    readme = (DEPLOY / "README.md").read_text()
    for key in K8S_SECRET_KEYS:
        assert key in readme, f"deploy/README.md does not say how to set {key}"
    # Fully qualified names: HAProxy's resolver does not apply the pod's search domains.
    fqdn = f"{NAMESPACE}.svc.cluster.local"
    expected = lb.render(
        rasa_bind=":5005",
        actions_bind=":5055",
        rasa_servers=[f"rasa-{i}.rasa.{fqdn}:5005" for i in range(scale.rasa_instances)],
        action_servers=[
            f"actions-{i}.actions.{fqdn}:5055" for i in range(scale.action_servers)
        ],
        errors_dir="/usr/local/etc/haproxy/errors",
        public_bind=":8080",
        store_server=f"store.{fqdn}:8100",
    )
    assert (DEPLOY / "k8s" / "haproxy.cfg").read_text() == expected


def _compose_default(value: str) -> str:
    """A compose value as it is when the operator sets nothing (`${NAME:-default}`)."""
    found = re.fullmatch(r"\$\{[A-Z_]+:-(.*)\}", value)
    return found.group(1) if found else value


def test_compose_and_kubernetes_share_their_settings() -> None:
    compose_env = _compose()["services"]["rasa-1"]["environment"]
    k8s_config = _k8s_named("ConfigMap", "shopdesk-config")["data"]
    for key, value in k8s_config.items():
        if key.endswith(("_HOST", "_URL")):
            continue  # service addresses differ by platform
        assert _compose_default(compose_env.get(key, "")) == value, key


def test_the_shopify_backend_is_an_option_with_its_credentials_kept_secret() -> None:
    shopify = {field.alias for field in ShopifySettings.model_fields.values()}
    secret = {field.alias for field in ShopifySettings.model_fields.values()
              if (field.json_schema_extra or {}) == SECRET}
    assert secret == {"SHOPIFY_ACCESS_TOKEN", "SHOPIFY_CLIENT_SECRET"}
    compose_env = _compose()["services"]["actions-1"]["environment"]
    for name in shopify | {"SHOPDESK_STORE_BACKEND"}:
        assert compose_env[name].startswith(f"${{{name}:-"), name  # optional
    assert _compose_default(compose_env["SHOPDESK_STORE_BACKEND"]) == "reference"
    k8s_config = _k8s_named("ConfigMap", "shopdesk-config")["data"]
    assert k8s_config["SHOPDESK_STORE_BACKEND"] == "reference"
    assert not secret & set(k8s_config)  # credentials only in the secret
    readme = (DEPLOY / "README.md").read_text()
    assert all(f"--from-literal={name}=" in readme or f"`{name}`" in readme for name in secret)
    # what the ConfigMap sets is valid once an operator adds a shop and its token
    configured = ShopifySettings.from_env({
        **{k: v for k, v in k8s_config.items() if k in shopify},
        "SHOPIFY_SHOP": "your-shop.myshopify.com", "SHOPIFY_ACCESS_TOKEN": "shpat_example",
    })
    assert configured == ShopifySettings.from_env({
        "SHOPIFY_SHOP": "your-shop.myshopify.com", "SHOPIFY_ACCESS_TOKEN": "shpat_example",
    })  # the defaults


def test_migrate_steps_create_rasas_tables_before_the_instances_start() -> None:
    compose = " ".join(_compose()["services"]["migrate"]["command"])
    job = _k8s_named("Job", "shopdesk-migrate")["spec"]["template"]["spec"]["containers"][0]
    for command in (compose, " ".join(job["command"])):
        for step in ("store migrate", "handoff migrate",
                     "bot.rasa_schema bot/endpoints.production.yml"):
            assert step in command
