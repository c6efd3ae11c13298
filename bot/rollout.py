"""Zero-downtime model rollout behind HAProxy: one Rasa replica at a time is drained, restarted
on the new model, checked ready and put back, through HAProxy's runtime API.

The balancer's admin socket is opened by deploy/haproxy/runtime-api.cfg (loaded after
docker/haproxy.cfg). For each replica, in turn: every other replica must be UP; the replica
is set to ``drain`` (no new request, sticky chat sessions may finish), then ``maint`` once
its requests are done; it is restarted (by the caller: a process, a container), checked on
its own health URL, set ``ready`` and waited for until HAProxy's checks see it UP. A
request is never sent to a replica that is stopping, so none is cut (docs/scaling.md).

``python -m bot.rollout --socket PATH --server rasa1=http://rasa-1:5005/ --server ...
--restart 'systemctl restart tipline-rasa@{name}'`` runs it with a command per replica.
"""

from __future__ import annotations

import argparse
import csv
import io
import logging
import shlex
import socket
import subprocess
import time
from dataclasses import dataclass
from typing import Callable, Dict, List, Sequence

import requests

log = logging.getLogger("bot.rollout")


class RolloutError(RuntimeError):
    """The rollout stopped: a replica did not drain, restart or come back in time."""


class Balancer:
    """HAProxy's runtime API on a Unix socket (one command per connection)."""

    def __init__(self, path: str) -> None:
        self.path = path

    def command(self, line: str) -> str:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(10)
            sock.connect(self.path)
            sock.sendall(line.encode() + b"\n")
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode(errors="replace")

    def servers(self, name: str) -> List[Dict[str, str]]:
        """The ``show stat`` rows of server ``name``, one per backend that has it."""
        text = self.command("show stat").lstrip("# ")
        return [row for row in csv.DictReader(io.StringIO(text))
                if row.get("svname") == name]

    def set_state(self, name: str, state: str) -> None:
        rows = self.servers(name)
        if not rows:
            raise RolloutError(f"no server {name} in the balancer")
        for row in rows:
            answer = self.command(f"set server {row['pxname']}/{name} state {state}").strip()
            if answer:
                raise RolloutError(f"set server {row['pxname']}/{name}: {answer}")

    def in_flight(self, name: str, backends: Sequence[str] = ()) -> int:
        """Requests on or queued for ``name`` (in ``backends``, or all of its backends)."""
        return sum(int(row["scur"] or 0) + int(row["qcur"] or 0) for row in self.servers(name)
                   if not backends or row["pxname"] in backends)

    def is_up(self, name: str) -> bool:
        rows = self.servers(name)
        return bool(rows) and all(row["status"].startswith("UP") for row in rows)


@dataclass
class Replica:
    """One Rasa replica: its server name in the balancer, its own health URL (``/``) and how
    to restart it on the new model."""

    name: str
    health: str
    restart: Callable[[], None]


def wait_for(probe: Callable[[], bool], timeout: float, what: str) -> float:
    """Poll ``probe`` until true; the seconds it took (RolloutError after ``timeout``)."""
    start = time.monotonic()
    while not probe():
        if time.monotonic() - start > timeout:
            raise RolloutError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.2)
    return time.monotonic() - start


def healthy(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def roll(balancer: Balancer, replicas: Sequence[Replica], drain_timeout: float = 30,
         ready_timeout: float = 600, sticky_backends: Sequence[str] = ("rasa_chat",)) -> None:
    """Restart ``replicas`` one at a time with no request sent to a stopping one.

    Draining waits for every request of the non-sticky backends; a sticky (web chat)
    session still open after ``drain_timeout`` is cut: its client reconnects to the other
    replica."""
    for replica in replicas:
        others = [r.name for r in replicas if r is not replica]
        roll_one(balancer, replica, others, drain_timeout, ready_timeout, sticky_backends)


def roll_one(balancer: Balancer, replica: Replica, others: Sequence[str],
             drain_timeout: float, ready_timeout: float, sticky_backends: Sequence[str]) -> None:
    """Take ``replica`` out (``others`` must be UP), restart it and put it back."""
    name = replica.name
    wait_for(lambda: all(balancer.is_up(o) for o in others), ready_timeout,
             f"{list(others)} UP before taking {name} out")
    balancer.set_state(name, "drain")
    backends = [row["pxname"] for row in balancer.servers(name)
                if row["pxname"] not in sticky_backends]
    took = wait_for(lambda: balancer.in_flight(name, backends) == 0, drain_timeout,
                    f"{name}'s requests")
    balancer.set_state(name, "maint")
    try:
        wait_for(lambda: balancer.in_flight(name) == 0, drain_timeout, f"{name}'s chat sessions")
    except RolloutError:
        log.warning("rollout: %s still holds chat sessions; they reconnect", name)
    log.info("rollout: %s drained in %.1f s, restarting", name, took)
    started = time.monotonic()
    replica.restart()
    wait_for(lambda: healthy(replica.health), ready_timeout, f"{name} ready")
    balancer.set_state(name, "ready")
    wait_for(lambda: balancer.is_up(name), ready_timeout, f"{name} UP in the balancer")
    log.info("rollout: %s back in %.1f s", name, time.monotonic() - started)


def command_restart(template: str, name: str) -> Callable[[], None]:
    """Run ``template`` with ``{name}`` filled in (split as a shell would, run without one)."""
    return lambda: subprocess.run(shlex.split(template.format(name=name)), check=True)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.rollout", description=__doc__.split(
        "\n\n")[0])
    parser.add_argument("--socket", required=True, help="HAProxy's admin socket")
    parser.add_argument("--server", action="append", required=True, metavar="NAME=URL",
                        help="a replica's name in haproxy.cfg and its own health URL")
    parser.add_argument("--restart", required=True,
                        help="command restarting replica {name} on the new model")
    parser.add_argument("--drain-timeout", type=float, default=30)
    parser.add_argument("--ready-timeout", type=float, default=600)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    replicas = [Replica(name, url, command_restart(args.restart, name))
                for name, url in (item.split("=", 1) for item in args.server)]
    roll(Balancer(args.socket), replicas, args.drain_timeout, args.ready_timeout)


if __name__ == "__main__":
    main()
