"""Private backing services for fault tests: a throwaway PostgreSQL cluster and a Redis
server of the test's own (restarted at will, never the machine's shared ones), and the
jobs consumer (``python -m bot.jobs``) as a process."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import redis
from sqlalchemy import create_engine, text

from harness.servers import ARTIFACTS, ROOT, free_port

PG_BIN = Path(os.environ.get("TIPLINE_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
REDIS_SERVER = os.environ.get("TIPLINE_TEST_REDIS_SERVER", "redis-server")
Window = Tuple[float, float]  # (down, up) in time.monotonic()


def missing(*programs: str) -> List[str]:
    """Those of ``programs`` (paths or names on PATH) that cannot be run here."""
    return [p for p in programs if not (os.access(p, os.X_OK) if os.sep in p
                                        else shutil.which(p))]


def terminate(process: Optional[subprocess.Popen]) -> None:
    """SIGTERM, then SIGKILL after 20 s, if ``process`` still runs."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass
class PrivatePostgres:
    """A PostgreSQL cluster in a temporary directory: trust authentication, loopback on a
    free port, its Unix socket in that directory. Run as ``postgres`` when the tests run
    as root (PostgreSQL refuses root)."""

    name: str
    port: int = field(default_factory=free_port)
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="tipline-pg-")))

    def __post_init__(self) -> None:
        self.data, self.log = self.root / "data", self.root / "postgres.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *args], check=True, capture_output=True, timeout=120)

    def init(self) -> PrivatePostgres:
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                  "-E", "UTF8", "--no-locale", "--no-sync")
        return self

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
                   f"-c max_connections=200")
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w",
                  "-t", "60", "-o", options, "start")

    def stop(self, mode: str = "fast") -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60",
                  "stop")

    def restart(self, down: float) -> Window:
        """Stop (fast: sessions cut), wait ``down`` seconds, start again."""
        self.stop("fast")
        stopped = time.monotonic()
        time.sleep(down)
        self.start()
        return stopped, time.monotonic()

    def create_database(self, database: str) -> str:
        admin = create_engine(self.url(), isolation_level="AUTOCOMMIT", future=True)
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{database}"'))
        admin.dispose()
        return self.url(database)

    def destroy(self) -> None:
        """Stop the cluster if it runs, keep its log as an artifact, remove its files."""
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(subprocess.SubprocessError):
                self.stop("immediate")
        if self.log.exists():
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            shutil.copy(self.log, ARTIFACTS / f"{self.name}-postgres.log")
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class PrivateRedis:
    """``redis-server`` on a free loopback port, without persistence: a restart loses
    every key, as a Redis without its append-only file does."""

    name: str
    port: int = field(default_factory=free_port)
    process: Optional[subprocess.Popen] = None
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="tipline-redis-")))

    @property
    def log(self) -> Path:
        return ARTIFACTS / f"{self.name}-redis.log"

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def client(self, db: int = 0) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, db=db, socket_timeout=5)

    def start(self) -> PrivateRedis:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as handle:
            self.process = subprocess.Popen(
                [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--daemonize", "no", "--dir", str(self.root)],
                stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            try:
                if self.client().ping():
                    return self
            except redis.RedisError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise
            time.sleep(0.1)

    def stop(self) -> None:
        terminate(self.process)

    def restart(self, down: float) -> Window:
        self.stop()
        stopped = time.monotonic()
        time.sleep(down)
        self.start()
        return stopped, time.monotonic()

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class JobsConsumer:
    """``python -m bot.jobs`` (huey) with a stack's environment; its log tells what ran."""

    env: Dict[str, str]
    log: Path
    process: Optional[subprocess.Popen] = None

    def start(self, timeout: float = 60) -> JobsConsumer:
        """Start the consumer (a fresh log) and wait until huey says it started."""
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("wb") as handle:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.jobs", "--workers", "1"], cwd=ROOT, env=self.env,
                stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while "Huey consumer started" not in self._text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"jobs consumer not started:\n{self._text()[-2000:]}")
            time.sleep(0.2)
        return self

    def _text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def executed(self, task: str) -> int:
        """How many times the consumer started ``task`` (huey's "Executing ..." lines)."""
        return self._text().count(f"Executing bot.jobs.tasks.{task}")

    def enqueue(self, task: str) -> None:
        """Call ``task`` (it is enqueued) in a fresh process with the same environment."""
        subprocess.run([sys.executable, "-c", f"from bot.jobs.tasks import {task}; {task}()"],
                       cwd=ROOT, env=self.env, check=True, capture_output=True, timeout=120)

    def stop(self) -> None:
        terminate(self.process)
