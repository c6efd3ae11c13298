"""The replicas of harness/replicas.py with HAProxy's runtime API open
(deploy/haproxy/runtime-api.cfg) and Rasa replicas that restart on another model file:
what tests/e2e/test_model_rollout.py rolls a model over."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import List

from bot.rollout import Balancer, Replica
from harness.replicas import Replicas
from harness.servers import ROOT, Server

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
