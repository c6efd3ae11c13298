"""deploy/kubernetes is valid Kubernetes (strict schema, offline: kubernetes-validate in its tool
venv) and runs what docker/compose.yml and the replicas test run: the same commands, the same
environment names (secrets from a Secret), the probes of HAProxy's checks, the balancer's
public paths only, rolling updates that never take a replica away."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Dict, List

import pytest
import yaml

from bot.console.app import create_app
from bot.settings import ConsoleSettings
from bot.store.migrate import upgrade
from harness.replicas import compose_command
from harness.servers import ROOT
from harness.tools import tools_cache

K8S = ROOT / "deploy" / "kubernetes"
COMPOSE = yaml.safe_load((ROOT / "docker" / "compose.yml").read_text())
HAPROXY = (ROOT / "docker" / "haproxy.cfg").read_text()
VERSIONS = ["1.29.0", "1.37.0"]  # the oldest and newest schemas in use (a 1.25-1.37 span ships)
FILES = [K8S / name for name in yaml.safe_load((K8S / "kustomization.yaml").read_text())
         ["resources"]]
OBJECTS = [doc for path in FILES for doc in yaml.safe_load_all(path.read_text()) if doc]
APP_SERVICES = ["rasa", "actions", "console", "worker", "migrate"]


def validator() -> Path:
    path = tools_cache() / "k8s" / "bin" / "kubernetes-validate"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run ./scripts/install-tools.sh")
    return path


def validate(*files: Path) -> subprocess.CompletedProcess:
    versions = [arg for version in VERSIONS for arg in ("-k", version)]
    return subprocess.run([str(validator()), "--strict", "--quiet", *versions,
                           *map(str, files)], capture_output=True, text=True)


def find(kind: str, name: str) -> dict:
    [found] = [o for o in OBJECTS if o["kind"] == kind and o["metadata"]["name"] == name]
    return found


def container(service: str) -> dict:
    kind = "Job" if service == "migrate" else "Deployment"
    [found] = find(kind, f"tipline-{service}")["spec"]["template"]["spec"]["containers"]
    return found


def haproxy_section(name: str) -> List[List[str]]:
    """The lines of one section of docker/haproxy.cfg, split in words, comments dropped."""
    lines, inside = [], False
    for line in HAPROXY.splitlines():
        words = line.split("#", 1)[0].split()
        if line.lstrip().startswith("#"):
            continue
        if line and not line[0].isspace():
            inside = words == name.split()
        elif inside and words:
            lines.append(words)
    return lines


def env_file(path: Path) -> Dict[str, str]:
    pairs = [line.split("=", 1) for line in path.read_text().splitlines()
             if line and not line.startswith("#")]
    return dict(pairs)


def test_every_manifest_passes_the_strict_kubernetes_schema() -> None:
    result = validate(*FILES)
    assert result.returncode == 0, result.stdout + result.stderr
    assert {o["kind"] for o in OBJECTS} == {"ConfigMap", "Deployment", "Service", "Job",
                                            "Ingress"}


def test_the_validator_refuses_a_misspelt_field(tmp_path: Path) -> None:
    bad = tmp_path / "rasa.yaml"
    bad.write_text((K8S / "rasa.yaml").read_text().replace("readinessProbe:", "readinesProbe:"))
    result = validate(bad)
    assert result.returncode != 0 and "readinesProbe" in result.stdout + result.stderr


def test_kustomize_renders_every_manifest() -> None:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.fail("kubectl (with its kustomize) missing: run scripts/install-test-deps.sh")
    rendered = subprocess.run([kubectl, "kustomize", str(K8S)], capture_output=True,
                              text=True, check=True).stdout
    objects = [doc for doc in yaml.safe_load_all(rendered) if doc]
    assert sorted((o["kind"], o["metadata"]["name"]) for o in objects) == sorted(
        (o["kind"], o["metadata"]["name"]) for o in OBJECTS)
    assert all(o["metadata"]["labels"]["app.kubernetes.io/part-of"] == "tipline"
               for o in objects)


@pytest.mark.parametrize("service", APP_SERVICES)
def test_each_container_runs_the_compose_and_harness_command(service: str) -> None:
    command = container(service)["command"]
    assert command == COMPOSE["services"][service]["command"]
    assert command[1:] == compose_command(service)[1:]  # what harness/replicas.py runs
    assert container(service)["image"] == "tipline"


@pytest.mark.parametrize("service", APP_SERVICES)
def test_each_container_gets_the_compose_environment_with_secrets_from_a_secret(
        service: str) -> None:
    config = find("ConfigMap", "tipline-env")["data"]
    secrets = env_file(K8S / "secrets.env.example")
    compose_env = COMPOSE["x-app"]["environment"]
    assert set(config) | set(secrets) == set(compose_env)
    assert not set(config) & set(secrets)
    required = {name for name, value in compose_env.items()
                if ":?" in str(value) or "PG_PASSWORD" in str(value)}
    assert required <= set(secrets), required - set(secrets)
    assert container(service)["envFrom"] == [{"configMapRef": {"name": "tipline-env"}},
                                             {"secretRef": {"name": "tipline-secrets"}}]
    assert "env" not in container(service), "settings only from the ConfigMap and Secret"


def test_probes_are_the_balancers_health_checks(tmp_path: Path) -> None:
    checks = {name: words[3] for name in ("rasa_webhooks", "rasa_chat", "actions")
              for words in haproxy_section(f"backend {name}") if words[:2] == ["option",
                                                                               "httpchk"]}
    assert checks == {"rasa_webhooks": "/", "rasa_chat": "/", "actions": "/health"}
    for service, path in (("rasa", checks["rasa_webhooks"]), ("actions", checks["actions"])):
        for probe in ("readinessProbe", "livenessProbe"):
            assert container(service)[probe]["httpGet"]["path"] == path
    assert container("rasa")["startupProbe"]["httpGet"]["path"] == "/"
    url = f"sqlite:///{tmp_path / 'tips.db'}"  # the console's readiness path answers
    upgrade(url)
    app = create_app(ConsoleSettings(secret_key="k8s-manifests-test-" + "x" * 32), database_url=url)
    path = container("console")["readinessProbe"]["httpGet"]["path"]
    assert app.test_client().get(path).status_code == 200


@pytest.mark.parametrize("service", ["rasa", "actions"])
def test_rolling_updates_replace_one_replica_at_a_time_and_drain_it(service: str) -> None:
    deployment = find("Deployment", f"tipline-{service}")["spec"]
    assert deployment["replicas"] == COMPOSE["services"][service]["deploy"]["replicas"]
    assert deployment["strategy"] == {"type": "RollingUpdate",
                                      "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}
    pod = deployment["template"]["spec"]
    [_, seconds] = container(service)["lifecycle"]["preStop"]["exec"]["command"]
    # the pod leaves the Service during preStop, then SIGTERM: Sanic's 15 s graceful stop
    assert pod["terminationGracePeriodSeconds"] >= int(seconds) + 15
    assert find("Deployment", "tipline-worker")["spec"]["strategy"] == {"type": "Recreate"}


def test_the_ingress_passes_only_the_balancers_public_paths() -> None:
    kinds = {"path": "Exact", "path_beg": "Prefix"}
    public = {(words[3], kinds[words[2]]) for words in haproxy_section("frontend public")
              if words[0] == "acl"}
    ingresses = [o for o in OBJECTS if o["kind"] == "Ingress"]
    paths = {(p["path"], p["pathType"]) for o in ingresses for rule in o["spec"]["rules"]
             for p in rule["http"]["paths"]}
    assert paths == public
    backends = {p["backend"]["service"]["name"] for o in ingresses
                for rule in o["spec"]["rules"] for p in rule["http"]["paths"]}
    assert backends == {"tipline-rasa"}
    [cookie] = [w[1] for w in haproxy_section("backend rasa_chat") if w[0] == "cookie"]
    sticky = find("Ingress", "tipline-chat")["metadata"]["annotations"]
    assert sticky["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    assert sticky["nginx.ingress.kubernetes.io/session-cookie-name"] == cookie
    chat_paths = {p["path"] for rule in find("Ingress", "tipline-chat")["spec"]["rules"]
                  for p in rule["http"]["paths"]}
    assert chat_paths == {w[3] for w in haproxy_section("frontend public")
                          if w[:2] == ["acl", "chat"]}
