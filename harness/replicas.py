"""Two Rasa replicas and two action servers behind HAProxy, sharing PostgreSQL and Redis:
docker/compose.yml's topology as processes on this machine (tests/e2e/test_replicas.py).

The servers run the commands of docker/compose.yml (read from it), with its
docker/endpoints.prod.yml, docker/credentials.prod.yml and docker/haproxy.cfg; only the
addresses differ (loopback and free ports instead of the compose network's names).
Each Rasa reaches the action servers through the balancer's private side, as in compose.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, NamedTuple

import yaml

from harness.durable import FAST
from harness.servers import ARTIFACTS, ROOT, Server, free_port, stack_env, wait_http
from harness.twilio import twilio_env
from harness.webchat import COMMUNITY_SITE

DOCKER = ROOT / "docker"
HAPROXY = os.environ.get("TIPLINE_TEST_HAPROXY", "/usr/sbin/haproxy")
REDIS_HOST = os.environ.get("TIPLINE_TEST_REDIS_HOST", "127.0.0.1")
LOCK_DB = os.environ.get("TIPLINE_TEST_REDIS_LOCK_DB", "5")  # compose: 1
LIMITS_DB = os.environ.get("TIPLINE_TEST_REDIS_LIMITS_DB", "6")  # compose: 3
REPLICAS = 2


def compose_command(service: str) -> List[str]:
    """The command of ``service`` in docker/compose.yml, run with this interpreter."""
    compose = yaml.safe_load((DOCKER / "compose.yml").read_text())
    command = list(compose["services"][service]["command"])
    assert command[0] == "python", command
    return [sys.executable, *command[1:]]


def with_port(command: List[str], port: int) -> List[str]:
    """``command`` with the value of its ``--port`` replaced."""
    args = list(command)
    args[args.index("--port") + 1] = str(port)
    return args


def cluster_env(tmp: Path, database_url: str, fake_twilio: Any,
                actions_url: str) -> Dict[str, str]:
    """The environment of docker/compose.yml's servers for this machine: PostgreSQL
    (``database_url``: tips and tracker), Redis (lock store, rate limits), the SMS channel
    on ``fake_twilio``, short back-off and leases."""
    database = database_url.rsplit("/", 1)[1]
    return stack_env(
        tmp, database_url, **twilio_env(fake_twilio, rate_limit="100/minute"), **FAST,
        TIPLINE_PG_HOST="127.0.0.1", TIPLINE_PG_USER="postgres", TIPLINE_PG_PASSWORD="",
        TIPLINE_PG_DB=database, TIPLINE_TRACKER_DB_URL=database_url,
        TIPLINE_REDIS_HOST=REDIS_HOST, TIPLINE_REDIS_LOCK_DB=LOCK_DB,
        TIPLINE_TWILIO_RATE_LIMIT_STORAGE=f"redis://{REDIS_HOST}:6379/{LIMITS_DB}",
        TIPLINE_INBOX_RATE_LIMIT_STORAGE=f"redis://{REDIS_HOST}:6379/{LIMITS_DB}",
        TIPLINE_ACTIONS_URL=actions_url, TIPLINE_WEBCHAT_ORIGINS=COMMUNITY_SITE,
        TIPLINE_JOBS_URL=f"sqlite:///{tmp / 'jobs.db'}")


class LbLine(NamedTuple):
    """One request as HAProxy logged it (docker/haproxy.cfg's log-format)."""

    backend: str
    server: str
    method: str
    path: str
    status: int
    retries: str


@dataclass
class Replicas:
    """The servers of one run; ``start`` brings them up, ``stop`` takes them down."""

    workdir: Path
    database_url: str
    fake_twilio: Any
    lb_port: int = field(default_factory=free_port)
    lb_actions_port: int = field(default_factory=free_port)
    rasa: List[Server] = field(default_factory=list)
    actions: List[Server] = field(default_factory=list)
    balancer: Server | None = None

    def __post_init__(self) -> None:
        self.env = cluster_env(self.workdir, self.database_url, self.fake_twilio,
                               f"http://127.0.0.1:{self.lb_actions_port}/webhook")

    @property
    def url(self) -> str:
        """The balancer's public side (the channels' webhooks)."""
        return f"http://127.0.0.1:{self.lb_port}"

    def _server(self, name: str, command: List[str], port: int, health: str) -> Server:
        (ARTIFACTS / f"{self.workdir.name}-{name}.log").unlink(missing_ok=True)  # fresh log
        return Server(name, with_port(command, port), self.env,
                      f"http://127.0.0.1:{port}{health}",
                      ARTIFACTS / f"{self.workdir.name}-{name}.log")

    def start(self) -> Replicas:
        subprocess.run(compose_command("migrate"), cwd=ROOT, env=self.env, check=True,
                       capture_output=True)
        self.actions = [self._server(f"actions{i + 1}", compose_command("actions"),
                                     free_port(), "/health") for i in range(REPLICAS)]
        self.rasa = [self._server(f"rasa{i + 1}", [*compose_command("rasa"), "-i", "127.0.0.1"],
                                  free_port(), "/") for i in range(REPLICAS)]
        with ThreadPoolExecutor(max_workers=2 * REPLICAS) as pool:  # Rasa loads in parallel
            list(pool.map(lambda server: server.start(timeout=420), self.actions + self.rasa))
        self.balancer = self._balancer().start(timeout=30)
        wait_http(f"{self.url}/webhooks/tipline_webchat/", 30)
        return self

    def _balancer(self) -> Server:
        addresses = {f"TIPLINE_{kind}_{i + 1}": server.health.split("/")[2]
                     for kind, servers in (("RASA", self.rasa), ("ACTIONS", self.actions))
                     for i, server in enumerate(servers)}
        env = {**os.environ, **addresses, "TIPLINE_LB_BIND": f"127.0.0.1:{self.lb_port}",
               "TIPLINE_LB_ACTIONS_BIND": f"127.0.0.1:{self.lb_actions_port}"}
        (ARTIFACTS / f"{self.workdir.name}-haproxy.log").unlink(missing_ok=True)
        return Server("haproxy", [HAPROXY, "-db", "-f", str(DOCKER / "haproxy.cfg")], env,
                      f"http://127.0.0.1:{self.lb_port}/webhooks/tipline_webchat/",
                      ARTIFACTS / f"{self.workdir.name}-haproxy.log")

    def stop(self) -> None:
        for server in [self.balancer, *self.rasa, *self.actions]:
            if server is not None:
                server.stop()

    def lb_log(self) -> List[LbLine]:
        """Every request the balancer forwarded or refused so far, oldest first."""
        assert self.balancer is not None
        lines = []
        for line in self.balancer.log.read_text(errors="replace").splitlines():
            parts = line.split()
            if len(parts) >= 7 and parts[0] == "lb" and "/" in parts[2]:
                backend, server = parts[2].split("/", 1)
                lines.append(LbLine(backend, server, parts[3], parts[4], int(parts[5]),
                                    parts[6].removeprefix("retries=")))
        return lines

    def rasa_log(self, index: int) -> str:
        return self.rasa[index].log.read_text(errors="replace")
