"""The replicas of harness/replicas.py with HAProxy's runtime API open
(deploy/haproxy/runtime-api.cfg) and Rasa replicas that restart on another model file:
what tests/e2e/test_model_rollout.py rolls a model over; and ``stub_balancer``, the same
HAProxy in front of two stand-in replicas (tests/unit/test_rollout.py, test_balancer_routes.py)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import List, Sequence, Tuple

from bot.rollout import Balancer, Replica, wait_for
from harness.replicas import DOCKER, HAPROXY, Replicas
from harness.servers import ROOT, Server, free_port
from harness.services import missing

RUNTIME_API = ROOT / "deploy" / "haproxy" / "runtime-api.cfg"


def with_model(command: List[str], model: Path) -> List[str]:
    """``command`` with the value of its ``--model`` replaced."""
    args = list(command)
    args[args.index("--model") + 1] = str(model)
    return args


@dataclass
class RollingReplicas(Replicas):
    """Replicas whose balancer also loads the runtime API configuration."""

    @property
    def admin_socket(self) -> Path:
        return self.workdir / "haproxy-admin.sock"

    def _balancer(self) -> Server:
        server = super()._balancer()
        server.args = [*server.args, "-f", str(RUNTIME_API)]
        server.env = {**server.env, "TIPLINE_LB_ADMIN_SOCKET": str(self.admin_socket)}
        return server

    def balancer_api(self) -> Balancer:
        return Balancer(str(self.admin_socket))

    def rollout_replicas(self, model: Path) -> List[Replica]:
        """Each Rasa replica as bot.rollout restarts it: SIGTERM, then the same command
        on ``model``, waiting for its health route."""
        def restart(server: Server) -> None:
            server.stop()
            server.args = with_model(server.args, model)
            server.start(timeout=420)

        return [Replica(server.name, server.health, lambda s=server: restart(s))
                for server in self.rasa]


def stub_balancer(rasa_ports: Sequence[int], workdir: Path,
                  ready_path: str) -> Tuple[Server, Balancer, str]:
    """docker/haproxy.cfg with the runtime API, in front of the two replicas listening on
    ``rasa_ports``; started (ready when ``ready_path`` answers through it) and both UP.
    Returns the server (its log: ``workdir/lb.log``), the runtime API and the base URL."""
    if missing(HAPROXY):
        raise RuntimeError(f"{HAPROXY} missing: run scripts/install-test-deps.sh")
    port, socket_path = free_port(), workdir / "admin.sock"
    env = {**os.environ, "TIPLINE_LB_BIND": f"127.0.0.1:{port}",
           "TIPLINE_LB_ACTIONS_BIND": f"127.0.0.1:{free_port()}",
           "TIPLINE_RASA_1": f"127.0.0.1:{rasa_ports[0]}",
           "TIPLINE_RASA_2": f"127.0.0.1:{rasa_ports[1]}",
           "TIPLINE_ACTIONS_1": f"127.0.0.1:{free_port()}",
           "TIPLINE_ACTIONS_2": f"127.0.0.1:{free_port()}",
           "TIPLINE_LB_ADMIN_SOCKET": str(socket_path)}
    base = f"http://127.0.0.1:{port}"
    server = Server("haproxy", [HAPROXY, "-db", "-f", str(DOCKER / "haproxy.cfg"), "-f",
                                str(RUNTIME_API)], env, base + ready_path, workdir / "lb.log")
    server.start(timeout=30)
    balancer = Balancer(str(socket_path))
    wait_for(lambda: balancer.is_up("rasa1") and balancer.is_up("rasa2"), 15, "both UP")
    return server, balancer, base
