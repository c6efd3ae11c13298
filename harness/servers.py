"""Start and stop the tip line's real servers for tests and benchmarks."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import requests
import yaml
from cryptography.fernet import Fernet

from bot.channels.rest.spec import SPEC as REST

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(os.environ.get("TIPLINE_TEST_ARTIFACTS", ROOT / "test-artifacts"))


def stack_env(tmp: Path, database_url: str, **settings: str) -> Dict[str, str]:
    """Environment of a test or benchmark stack: its own database, fresh secrets (Rasa's API
    token among them), loopback only, translation off unless ``settings`` (``TIPLINE_*``
    names) say otherwise."""
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "TIPLINE_DATABASE_URL": database_url,
        "TIPLINE_VAR_DIR": str(tmp),
        "TIPLINE_HASH_KEY": "test-hash-key-" + uuid.uuid4().hex,
        "TIPLINE_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "TIPLINE_RASA_API_TOKEN": secrets.token_hex(16),
        "TIPLINE_TRANSLATION_PROVIDER": "none",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "SANIC_HOST": "127.0.0.1",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        **settings,
    }


def write_endpoints(tmp: Path, tracker_store: Optional[dict] = None,
                    lock_store: Optional[dict] = None) -> Path:
    """endpoints.yml of a stack (in-memory tracker and lock stores unless given)."""
    config: dict = {"action_endpoint": {"url": "http://127.0.0.1:${TIPLINE_ACTIONS_PORT}/webhook"}}
    if tracker_store:
        config["tracker_store"] = tracker_store
    if lock_store:
        config["lock_store"] = lock_store
    path = tmp / "endpoints.yml"
    path.write_text(yaml.safe_dump(config))
    return path


REST_CHANNEL = REST.input_class  # /webhooks/rest/webhook, durable


def write_credentials(tmp: Path, extra: Optional[dict] = None) -> Path:
    """credentials.yml of a stack: the (durable) REST channel plus ``extra`` channels."""
    path = tmp / "credentials.yml"
    path.write_text(yaml.safe_dump({REST_CHANNEL: None, **(extra or {})}))
    return path


def sqlite_tracker(tmp: Path) -> dict:
    """Rasa's SQL tracker store on a SQLite file in ``tmp``."""
    return {"type": "SQL", "dialect": "sqlite", "db": str(tmp / "tracker.db")}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, timeout: float, process: Optional[subprocess.Popen] = None,
              log: Optional[Path] = None) -> None:
    """Wait until ``url`` answers 200, failing early if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            tail = log.read_text(errors="replace")[-4000:] if log else ""
            raise RuntimeError(f"server for {url} exited with {process.returncode}:\n{tail}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} not ready after {timeout} s")


@dataclass
class Server:
    """A server subprocess with its log file."""

    name: str
    args: List[str]
    env: Dict[str, str]
    health: str
    log: Path
    process: Optional[subprocess.Popen] = None

    def start(self, timeout: float = 240) -> Server:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        handle = self.log.open("ab")
        self.process = subprocess.Popen(self.args, cwd=ROOT, env=self.env, stdout=handle,
                                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        wait_http(self.health, timeout, self.process, self.log)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass
class TipLineStack:
    """An action server and a Rasa server sharing one tips database.

    Rasa runs with its HTTP API (``/model/parse`` for tests and benchmarks) behind the token
    ``TIPLINE_RASA_API_TOKEN`` of ``env`` (bot.serve refuses the API without one): send
    ``params=stack.api_auth`` with API calls, or use ``parse``.
    """

    env: Dict[str, str]
    workdir: Path
    endpoints: Path
    credentials: Path
    rasa_port: int = field(default_factory=free_port)
    actions_port: int = field(default_factory=free_port)
    servers: List[Server] = field(default_factory=list)
    model: Path = ROOT / "models" / "current.tar.gz"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def api_auth(self) -> Dict[str, str]:
        """Query parameters authenticating a call to Rasa's HTTP API (``?token=``)."""
        return {"token": self.env["TIPLINE_RASA_API_TOKEN"]}

    def start(self) -> TipLineStack:
        env = {**self.env, "TIPLINE_ACTIONS_PORT": str(self.actions_port),
               "TIPLINE_RASA_PORT": str(self.rasa_port)}
        python = sys.executable
        subprocess.run([python, "-m", "bot.cli", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                       capture_output=True)
        tag = self.workdir.name
        actions = Server("actions", [python, "-m", "bot.serve", "actions", "--actions", "actions",
                                     "--port", str(self.actions_port)], env,
                         f"http://127.0.0.1:{self.actions_port}/health",
                         ARTIFACTS / f"{tag}-actions.log")
        rasa = Server("rasa", [python, "-m", "bot.serve", "rasa", "run", "--model",
                               str(self.model), "--enable-api",
                               "-i", "127.0.0.1",
                               "--port", str(self.rasa_port), "--endpoints", str(self.endpoints),
                               "--credentials", str(self.credentials)], env,
                      f"{self.url}/", ARTIFACTS / f"{tag}-rasa.log")
        self.servers = [actions.start(), rasa]
        rasa.start(timeout=300)
        return self

    def stop(self) -> None:
        for server in reversed(self.servers):
            server.stop()

    def say(self, sender: str, text: str, metadata: Optional[dict] = None) -> List[str]:
        """One REST channel turn; the bot's text replies."""
        body: dict = {"sender": sender, "message": text}
        if metadata:
            body["metadata"] = metadata
        response = requests.post(f"{self.url}/webhooks/rest/webhook", json=body, timeout=60)
        response.raise_for_status()
        return [m.get("text", "") for m in response.json()]

    def parse(self, text: str, timeout: float = 60) -> dict:
        """Rasa's NLU result for ``text`` (``POST /model/parse``, with the API token)."""
        response = requests.post(f"{self.url}/model/parse", json={"text": text},
                                 params=self.api_auth, timeout=timeout)
        response.raise_for_status()
        return response.json()

    def logs(self) -> str:
        return "\n".join(s.log.read_text(errors="replace") for s in self.servers if s.log.exists())
