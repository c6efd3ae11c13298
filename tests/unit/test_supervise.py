"""bot.supervise: a dead process is restarted while the others keep serving; Ctrl-C stops all."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Iterator, List

import pytest

from bot.supervise import Child, Supervisor, parse_procfile

ROOT = Path(__file__).resolve().parents[2]
# a child that records its pid, then serves (sleeps) until it is stopped
CHILD = "import os, sys, time; open(sys.argv[1], 'a').write(f'{os.getpid()}\\n'); time.sleep(600)"


def pids(path: Path) -> List[int]:
    return [int(line) for line in path.read_text().split()] if path.exists() else []


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (exited, not reaped yet) counts as dead
    stat = Path(f"/proc/{pid}/stat")
    return not stat.exists() or stat.read_text().split(")")[-1].split()[0] != "Z"


def wait_until(probe: Callable[[], bool], timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if probe():
            return True
        time.sleep(0.05)
    return probe()


@pytest.fixture()
def supervised(tmp_path: Path) -> Iterator[subprocess.Popen]:
    """``python -m bot.supervise`` running two children that write their pids."""
    python = shlex.quote(sys.executable)
    lines = [f"{name}: {python} -c {shlex.quote(CHILD)} ${{PIDS}}/{name}.pids"
             for name in ("one", "two")]
    procfile = tmp_path / "Procfile"
    procfile.write_text("# two small services\n" + "\n".join(lines) + "\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PIDS": str(tmp_path)}
    process = subprocess.Popen([sys.executable, "-m", "bot.supervise", str(procfile),
                                "--backoff", "0.2", "--grace", "5"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert wait_until(lambda: len(pids(tmp_path / "one.pids")) == 1
                      and len(pids(tmp_path / "two.pids")) == 1)
    yield process
    if process.poll() is None:
        process.kill()
        process.wait()
    for name in ("one", "two"):
        for pid in pids(tmp_path / f"{name}.pids"):
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_a_killed_child_is_restarted_while_the_other_keeps_its_pid(
        supervised: subprocess.Popen, tmp_path: Path) -> None:
    [first] = pids(tmp_path / "one.pids")
    [other] = pids(tmp_path / "two.pids")
    os.kill(first, signal.SIGKILL)
    assert wait_until(lambda: len(pids(tmp_path / "one.pids")) == 2), "one was not restarted"
    restarted = pids(tmp_path / "one.pids")[1]
    assert restarted != first and alive(restarted) and not alive(first)
    assert pids(tmp_path / "two.pids") == [other] and alive(other), "two was disturbed"
    # and again: a process that keeps dying keeps being restarted
    os.kill(restarted, signal.SIGTERM)
    assert wait_until(lambda: len(pids(tmp_path / "one.pids")) == 3)
    assert pids(tmp_path / "two.pids") == [other] and alive(other)


def test_ctrl_c_stops_every_child_and_the_supervisor(supervised: subprocess.Popen,
                                                     tmp_path: Path) -> None:
    children = pids(tmp_path / "one.pids") + pids(tmp_path / "two.pids")
    supervised.send_signal(signal.SIGINT)
    assert supervised.wait(timeout=15) == 0
    assert wait_until(lambda: not any(alive(pid) for pid in children))
    output = supervised.stdout.read() if supervised.stdout else ""
    assert "SIGINT received, stopping every process" in output
    assert "restart" not in output.split("SIGINT received")[-1], "restarted while stopping"


def test_children_die_with_a_killed_supervisor(supervised: subprocess.Popen,
                                               tmp_path: Path) -> None:
    children = pids(tmp_path / "one.pids") + pids(tmp_path / "two.pids")
    supervised.kill()  # SIGKILL: no chance to stop its children itself
    supervised.wait()
    assert wait_until(lambda: not any(alive(pid) for pid in children)), "orphans left"


def test_back_off_doubles_for_a_crash_loop_and_resets_after_a_stable_run() -> None:
    supervisor = Supervisor([], backoff=1.0, max_backoff=8.0, stable=30.0)
    child = Child("rasa", ["true"])
    delays = []
    for now in (100.0, 101.0, 103.0, 107.0, 115.0, 123.0):
        child.started = now - 0.5  # died half a second after its start
        supervisor._plan_restart(child, now, "exited")
        delays.append(child.restart_at - now)
    assert delays == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    child.started = 200.0
    supervisor._plan_restart(child, 260.0, "exited")  # it had served for a minute
    assert child.restart_at - 260.0 == 1.0


def test_procfile_variables_come_from_the_environment() -> None:
    [child] = parse_procfile("# comment\n\nweb: python -m x --port ${PORT} '$HOME/a b'\n",
                             {"PORT": "5005", "HOME": "/h"})
    assert (child.name, child.argv) == ("web", ["python", "-m", "x", "--port", "5005", "/h/a b"])
    with pytest.raises(ValueError, match="line 1: PORT is not set"):
        parse_procfile("web: serve --port ${PORT}", {})
    with pytest.raises(ValueError, match="repeated"):
        parse_procfile("a: x\na: y", {})


def test_the_make_run_procfile_starts_every_service_without_rasa_api() -> None:
    env = {name: "1" for name in ("TIPLINE_ACTIONS_PORT", "TIPLINE_RASA_PORT", "TIPLINE_BIND",
                                  "TIPLINE_CONSOLE_PORT")}
    children = {c.name: c.argv for c in parse_procfile((ROOT / "Procfile").read_text(), env)}
    assert set(children) == {"actions", "rasa", "console", "jobs"}
    assert "--enable-api" not in children["rasa"]
    assert children["rasa"][children["rasa"].index("--credentials") + 1] == "credentials.yml"
    assert children["jobs"] == ["python", "-m", "bot.jobs"]
    run = (ROOT / "scripts" / "run.sh").read_text()
    assert "bot.supervise Procfile" in run and "wait -n" not in run


def test_a_program_that_cannot_start_is_retried_not_fatal(tmp_path: Path) -> None:
    supervisor = Supervisor([], backoff=0.5)
    child = Child("ghost", [str(tmp_path / "no-such-program")])
    supervisor.start(child)
    assert child.process is None and child.restart_at is not None
    assert child.restart_at - child.started == 0.5
