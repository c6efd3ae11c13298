"""A bare ``rasa init`` bot (same Rasa, in-memory tracker, no action server) to compare with.

Its project (rasa init's data, config, credentials and trained model) is made once per Rasa
version in ``$TIPLINE_CACHE/bare-<hash>`` (default ``~/.cache/tipline``), so a rerun only
starts it. It runs as plain ``python -m rasa run --enable-api``: none of the tip line's
patches, channels or stores.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Optional

import yaml

from harness.servers import ARTIFACTS, free_port


def _version() -> str:
    from importlib.metadata import version

    return f"rasa {version('rasa')} python {sys.version_info[:2]}"


def project_dir() -> Path:
    """The cached bare project of this Rasa version (made on first use)."""
    cache = Path(os.environ.get("TIPLINE_CACHE", Path.home() / ".cache" / "tipline"))
    key = hashlib.sha256(_version().encode()).hexdigest()[:16]
    project = cache / f"bare-{key}"
    if (project / "model.tar.gz").exists():
        return project
    work = Path(tempfile.mkdtemp(prefix="tipline-bare-"))
    print(f"bare bot: rasa init --no-prompt in {work} (once per Rasa version)", flush=True)
    subprocess.run([sys.executable, "-m", "rasa", "init", "--no-prompt", "--init-dir",
                    str(work)], cwd=work, env=_env(), check=True, stdout=subprocess.DEVNULL)
    model = max((work / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    staging = Path(tempfile.mkdtemp(prefix="bare-", dir=cache))
    shutil.copy(model, staging / "model.tar.gz")
    (staging / "credentials.yml").write_text(yaml.safe_dump({"rest": None}))
    (staging / "endpoints.yml").write_text("# in-memory tracker and lock stores\n")
    if not project.exists():
        staging.rename(project)
    shutil.rmtree(work, ignore_errors=True)
    return project


def _env() -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIPLINE_")}
    env.pop("PYTHONPATH", None)
    return {**env, "TF_CPP_MIN_LOG_LEVEL": "2", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}


@dataclass
class BareBot:
    """``rasa run --enable-api`` of the bare project, REST channel only."""

    project: Path
    port: int = 0
    process: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> subprocess.Popen:
        self.port = self.port or free_port()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        log = (ARTIFACTS / f"bare-{self.port}-rasa.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "rasa", "run", "--enable-api", "--model",
             str(self.project / "model.tar.gz"), "-i", "127.0.0.1", "--port", str(self.port),
             "--endpoints", "endpoints.yml", "--credentials", "credentials.yml"],
            cwd=self.project, env=_env(), stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL)
        return self.process

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


if __name__ == "__main__":
    started = time.perf_counter()
    print(project_dir(), f"{time.perf_counter() - started:.1f} s")
