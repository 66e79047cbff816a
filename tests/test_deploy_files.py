"""deploy/: what the Compose file promises an office, checked without Docker (and with `docker compose config`
where Docker Compose exists); the dashboard and Prometheus ask only for metrics sohoa exports."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from sohoa.settings import SECRET_FILE_FIELDS

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
SOHOA_SERVICES = {"migrate", "web", "worker"}
RESTARTING = {"always", "unless-stopped", "on-failure"}
# Where sohoa defines its metrics: the workers' and the web's registries.
METRIC_SOURCES = [DEPLOY.parent / "workers" / "metrics.py", DEPLOY.parent / "web" / "health.py"]


def compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_every_service_has_a_healthcheck_and_long_running_ones_restart() -> None:
    services = compose()["services"]
    assert {"db", "redis", "s3", "migrate", "web", "worker", "prometheus"} <= set(services)
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
        if name != "migrate":
            assert service.get("restart") in RESTARTING, f"{name} does not restart"
    assert services["migrate"]["restart"] == "no", "migrations run once, not in a loop"
    assert services["worker"]["deploy"]["replicas"], "workers are scaled by replicas"


def test_web_and_workers_wait_for_the_one_shot_migration() -> None:
    services = compose()["services"]
    assert services["migrate"]["command"] == ["storage", "migrate"]
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_secrets_are_files_and_no_secret_is_in_the_environment() -> None:
    spec = compose()
    assert spec["secrets"] and all(set(s) == {"file"} for s in spec["secrets"].values())
    secret_vars = {f"SOHOA_{field.upper()}" for field in SECRET_FILE_FIELDS}
    for name, service in spec["services"].items():
        env = service.get("environment") or {}
        for key, value in env.items():
            assert key not in secret_vars, f"{name}: {key} in the environment; use {key}_FILE"
            if key.endswith("_FILE") and key.startswith("SOHOA_"):
                assert str(value).startswith("/run/secrets/"), f"{name}: {key} is not a mounted secret"
            assert not re.search(r"PASSWORD$|SECRET(_KEY)?$", key), f"{name}: {key} holds a secret inline"
        for path in (v for k, v in env.items() if str(v).startswith("/run/secrets/")):
            assert path.removeprefix("/run/secrets/") in service.get("secrets", []), f"{name}: {path} not mounted"


def test_our_image_is_built_and_tagged_and_others_are_pinned() -> None:
    for name, service in compose()["services"].items():
        image = service["image"]
        repo, _, tag = image.rpartition(":")
        assert repo and tag and tag != "latest", f"{name}: image {image!r} has a floating tag"
        if name in SOHOA_SERVICES or repo == "sohoa":
            assert "build" in service and service.get("pull_policy") == "build", f"{name}: sohoa is never pulled"
            assert re.fullmatch(r"\d+\.\d+\.\d+", tag), f"{name}: sohoa's image is tagged with its version"
        else:
            assert re.search(r"\d+\.\d+", tag), f"{name}: {image} is not pinned to a release"


def test_prometheus_scrapes_the_web_and_every_worker_on_their_ports() -> None:
    services = compose()["services"]
    scrape = yaml.safe_load((DEPLOY / "prometheus.yml").read_text())["scrape_configs"]
    targets = {c["job_name"]: c for c in scrape}
    web_port = services["web"]["command"][services["web"]["command"].index("--port") + 1]
    assert targets["sohoa-web"]["static_configs"][0]["targets"] == [f"web:{web_port}"]
    worker_sd = targets["sohoa-worker"]["dns_sd_configs"][0]
    assert worker_sd["names"] == ["worker"]
    assert str(worker_sd["port"]) == services["worker"]["environment"]["SOHOA_METRICS_PORT"]


def test_the_dashboard_asks_only_for_metrics_sohoa_exports() -> None:
    dashboard = json.loads((DEPLOY / "grafana-dashboard.json").read_text())
    assert dashboard["__inputs"][0]["pluginId"] == "prometheus", "importable: the data source is asked for"
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    asked = {re.sub(r"_(total|bucket|sum|count|created)$", "", m) for e in exprs for m in re.findall(r"sohoa_\w+", e)}
    source = "\n".join(p.read_text() for p in METRIC_SOURCES)
    defined = set(re.findall(r'"(sohoa_\w+)"', source))
    assert asked, "the dashboard has sohoa panels"
    assert asked <= defined, f"not exported by sohoa: {sorted(asked - defined)}"
    assert {"sohoa_queue_jobs", "sohoa_pages_per_minute", "sohoa_http_requests"} <= asked


def test_docker_compose_config_accepts_the_file(tmp_path: Path) -> None:
    docker = shutil.which("docker")
    if docker is None or subprocess.run([docker, "compose", "version"], capture_output=True).returncode != 0:
        pytest.skip("Docker Compose is not installed here (`docker compose version` fails)")
    env = {
        "PATH": "/usr/bin:/bin:/usr/local/bin",
        "HOME": str(tmp_path),
        "SOHOA_AGENCY_CODE": "000.00.20.H40",
        "SOHOA_AGENCY_NAME": "UBND Phường Thử Nghiệm",
        "SOHOA_TSA_URL": "http://tsa.example/",
    }
    done = subprocess.run(
        [docker, "compose", "-f", str(DEPLOY / "compose.yaml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
