"""A small process supervisor: runs a Procfile, restarts a dead process, stops all on Ctrl-C.

``python -m bot.supervise Procfile`` (what ``make run`` does) starts one process per line
(``name: command``, the Procfile format of foreman and honcho; ``$VAR`` and ``${VAR}`` are
taken from the environment, an unset one is an error). When a process exits, the others
keep serving and it is started again after a back-off that doubles from ``--backoff`` up to
``--max-backoff`` seconds, and is reset once the process has run ``--stable`` seconds.
SIGINT (Ctrl-C) or SIGTERM stops every process (SIGTERM to its process group, SIGKILL after
``--grace`` seconds) and the supervisor exits 0. Each process runs in its own session, so
Ctrl-C reaches the supervisor alone and the stop is orderly; on Linux a process also
receives SIGTERM if the supervisor itself is killed. Production uses the container
runtime's restart policy instead (docker/compose.yml).
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import logging
import os
import shlex
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Dict, List, Optional

log = logging.getLogger("bot.supervise")
PR_SET_PDEATHSIG = 1


@dataclass
class Child:
    """One supervised process."""

    name: str
    argv: List[str]
    process: Optional[subprocess.Popen] = None
    started: float = 0.0
    failures: int = 0
    restart_at: Optional[float] = None
    restarts: int = 0


def parse_procfile(text: str, env: Dict[str, str]) -> List[Child]:
    """The processes of a Procfile, their variables expanded from ``env``."""
    children: List[Child] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, command = line.partition(":")
        if not sep or not name.strip().replace("_", "").replace("-", "").isalnum():
            raise ValueError(f"Procfile line {number}: expected 'name: command'")
        try:
            argv = [Template(token).substitute(env) for token in shlex.split(command)]
        except KeyError as missing:
            raise ValueError(f"Procfile line {number}: {missing.args[0]} is not set") from None
        if not argv or any(c.name == name.strip() for c in children):
            raise ValueError(f"Procfile line {number}: empty or repeated process")
        children.append(Child(name.strip(), argv))
    if not children:
        raise ValueError("Procfile: no process")
    return children


def _libc() -> Optional[ctypes.CDLL]:
    try:
        return ctypes.CDLL(None) if sys.platform.startswith("linux") else None
    except OSError:
        return None


_LIBC = _libc()


def _die_with_parent() -> None:  # runs in the child, between fork and exec
    if _LIBC is not None:
        _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class Supervisor:
    """Starts, watches and restarts ``children``."""

    def __init__(self, children: List[Child], backoff: float = 1.0, max_backoff: float = 30.0,
                 stable: float = 30.0, grace: float = 20.0, poll: float = 0.2) -> None:
        self.children = children
        self.backoff, self.max_backoff, self.stable = backoff, max_backoff, stable
        self.grace, self.poll = grace, poll
        self.stopping = False

    def start(self, child: Child) -> None:
        child.started, child.restart_at = time.monotonic(), None
        try:
            child.process = subprocess.Popen(
                child.argv, start_new_session=True, stdin=subprocess.DEVNULL,
                preexec_fn=_die_with_parent if _LIBC is not None else None)
        except OSError as error:  # no such program: tried again after the back-off
            log.error("supervise: %s cannot start: %s", child.name, error)
            child.process = None
            self._plan_restart(child, child.started, "cannot start")
            return
        log.info("supervise: %s started (pid %d)", child.name, child.process.pid)

    def _plan_restart(self, child: Child, now: float, why: str) -> None:
        child.failures = 1 if now - child.started >= self.stable else child.failures + 1
        delay = min(self.max_backoff, self.backoff * 2 ** (child.failures - 1))
        child.restart_at = now + delay
        log.warning("supervise: %s %s; restart in %.1f s", child.name, why, delay)

    def check(self, child: Child, now: float) -> None:
        """Notice that ``child`` died and plan its restart; restart it when due."""
        if child.restart_at is not None:
            if now >= child.restart_at:
                child.restarts += 1
                self.start(child)
            return
        code = child.process.poll() if child.process else None
        if code is not None:
            self._plan_restart(child, now, f"exited with status {code}")

    def run(self) -> int:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._on_signal)
        for child in self.children:
            self.start(child)
        while not self.stopping:
            now = time.monotonic()
            for child in self.children:
                self.check(child, now)
            time.sleep(self.poll)
        self.stop_all()
        return 0

    def _on_signal(self, signum: int, _frame: object) -> None:
        if not self.stopping:
            log.info("supervise: %s received, stopping every process",
                     signal.Signals(signum).name)
        self.stopping = True

    def stop_all(self) -> None:
        running = [c for c in self.children if c.process and c.process.poll() is None]
        for child in running:
            self._signal(child, signal.SIGTERM)
        deadline = time.monotonic() + self.grace
        for child in running:
            try:
                child.process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("supervise: %s did not stop in %.0f s, killed", child.name,
                            self.grace)
                self._signal(child, signal.SIGKILL)
                child.process.wait()

    @staticmethod
    def _signal(child: Child, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.process.pid, signum)  # the process and whatever it started


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.supervise", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("procfile", type=Path)
    parser.add_argument("--backoff", type=float, default=1.0)
    parser.add_argument("--max-backoff", type=float, default=30.0)
    parser.add_argument("--stable", type=float, default=30.0)
    parser.add_argument("--grace", type=float, default=20.0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    try:
        children = parse_procfile(args.procfile.read_text(), dict(os.environ))
    except (OSError, ValueError) as error:
        print(f"supervise: {error}", file=sys.stderr)
        return 2
    return Supervisor(children, args.backoff, args.max_backoff, args.stable,
                      args.grace).run()


if __name__ == "__main__":
    sys.exit(main())
