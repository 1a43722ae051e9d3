"""The systemd units and the Docker Compose file in deploy/ start every part of the service (N web
servers, N workers, one beat) and give each one every setting it needs, spelled as settings.py
reads it."""

from __future__ import annotations

import configparser
import re
import shlex
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent.parent
DEPLOY = ROOT / "deploy"
# What every machine of a several-machine installation must be given (docs/deploy.md).
REQUIRED = {
    "SECRET_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "PUBLIC_URL",
    "ALLOWED_HOSTS",
    "EMAIL_URL",
    "DEFAULT_FROM_EMAIL",
    "PUBLISH_TARGETS",
    "TRUSTED_PROXIES",
    "RUN_DIR",
}
# Read by boto3 rather than settings.py.
ALSO_KNOWN = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}
UNITS = ("web", "worker", "beat", "migrate")


def documented_settings() -> set[str]:
    return set(re.findall(r"^\| `([A-Z_]+)` \|", (ROOT / "README.md").read_text(), re.M))


def unit(name: str) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(strict=False)
    parser.optionxform = str  # systemd's keys are case-sensitive
    parser.read_string((DEPLOY / "systemd" / f"statuspage-{name}.service").read_text())
    return parser


def environment_file() -> dict[str, str]:
    values = {}
    for line in (DEPLOY / "systemd" / "statuspage.env").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value
    return values


def test_the_environment_file_names_every_required_setting_and_only_real_ones():
    names = set(environment_file())
    assert names >= REQUIRED, REQUIRED - names
    assert names <= documented_settings() | ALSO_KNOWN, names - documented_settings()


@pytest.mark.parametrize("name", UNITS)
def test_every_unit_reads_the_environment_file(name):
    service = unit(name)["Service"]
    assert service["EnvironmentFile"] == "/etc/statuspage/statuspage.env"
    assert service["User"] == "statuspage"


def command(name: str) -> list[str]:
    return shlex.split(unit(name)["Service"]["ExecStart"])


def test_the_units_start_the_web_server_a_worker_and_beat_as_the_procfile_does():
    procfile = dict(
        line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line
    )
    for name in ("web", "worker", "beat"):
        ours = command(name)
        theirs = shlex.split(procfile[name])
        assert Path(ours[0]).name == theirs[0]
        # The same program and arguments, bar the values that come from the environment.
        assert [a for a in ours[1:] if "$" not in a and "%" not in a] == [
            a for a in theirs[1:] if "$" not in a and "%" not in a
        ]
    assert "WantedBy" in unit("beat")["Install"]
    assert "one per installation" in unit("beat")["Unit"]["Description"]


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


@pytest.mark.parametrize("name", ["web", "worker", "beat", "migrate"])
def test_every_compose_service_of_ours_has_every_required_setting(name):
    service = compose()["services"][name]
    environment = set(service["environment"])
    assert environment >= REQUIRED, REQUIRED - environment
    assert environment <= documented_settings() | ALSO_KNOWN
    # Fails at `up` with a message rather than starting without them.
    for required in ("SECRET_KEY", "PUBLIC_URL"):
        assert ":?" in service["environment"][required]


def test_compose_runs_two_web_servers_two_workers_and_exactly_one_beat():
    services = compose()["services"]
    assert services["web"]["deploy"]["replicas"] == 2
    assert services["worker"]["deploy"]["replicas"] == 2
    assert services["beat"]["deploy"]["replicas"] == 1
    assert services["beat"]["command"][:4] == ["celery", "-A", "statuspage", "beat"]
    assert services["web"]["command"][-1] == "statuspage.wsgi:application"
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert services[name]["environment"]["DATABASE_URL"].startswith("postgres://")


def test_the_deployment_guide_names_every_required_setting():
    guide = (ROOT / "docs" / "deploy.md").read_text()
    missing = {name for name in REQUIRED if f"`{name}`" not in guide}
    assert not missing
