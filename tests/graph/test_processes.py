"""``stop_processes``: SIGTERM first, SIGKILL (to the process or its group) after the grace."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from graph.processes import stop_processes

#: A Python child that ignores SIGTERM (or not), optionally starts a grandchild
#: that ignores it too, prints the grandchild's pid (or 0) once set up, and sleeps.
CHILD = """
import signal, subprocess, sys, time
if sys.argv[1] == "ignore":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
pid = 0
if sys.argv[2] == "grandchild":
    pid = subprocess.Popen([sys.executable, "-c", sys.argv[3]]).pid
    time.sleep(0.5)  # the grandchild sets its own handler
print(pid, flush=True)
time.sleep(60)
"""
STUBBORN = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)"


def _start(sigterm: str, grandchild: bool = False) -> tuple[subprocess.Popen[bytes], int]:
    process = subprocess.Popen(
        [sys.executable, "-c", CHILD, sigterm, "grandchild" if grandchild else "-", STUBBORN],
        stdout=subprocess.PIPE,
        start_new_session=True,
    )
    assert process.stdout is not None
    pid = int(process.stdout.readline())  # set up: its handler is in place
    process.stdout.close()
    return process, pid


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_process_that_heeds_sigterm_is_not_killed() -> None:
    process, _ = _start("heed")
    started = time.monotonic()
    stop_processes([process], grace_s=30, kill_wait_s=5)
    assert process.returncode == -signal.SIGTERM
    assert time.monotonic() - started < 10


def test_one_that_ignores_sigterm_is_killed_after_the_grace() -> None:
    stubborn, _ = _start("ignore")
    polite, _ = _start("heed")
    started = time.monotonic()
    stop_processes([stubborn, polite], grace_s=0.5, kill_wait_s=5)
    assert stubborn.returncode == -signal.SIGKILL
    assert polite.returncode == -signal.SIGTERM  # signalled before the wait for the first
    assert 0.5 <= time.monotonic() - started < 10


def test_group_kills_the_children_it_started() -> None:
    leader, grandchild = _start("ignore", grandchild=True)
    assert _alive(grandchild)
    stop_processes([leader], grace_s=0.5, kill_wait_s=5, group=True)
    assert leader.returncode == -signal.SIGKILL
    deadline = time.monotonic() + 5  # the grandchild is init's to reap once orphaned
    while _alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(grandchild)


def test_an_exited_process_is_only_reaped() -> None:
    process = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    time.sleep(0.2)
    stop_processes([process], grace_s=5, kill_wait_s=5)
    assert process.returncode == 3


@pytest.mark.parametrize("group", [False, True])
def test_a_killed_process_that_will_not_die_raises(
    group: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    process, _ = _start("ignore")
    swallowed: list[int] = []
    # Neither kill reaches it, as if it hung in the kernel: the caller hears of it.
    monkeypatch.setattr(subprocess.Popen, "kill", lambda self: swallowed.append(self.pid))
    monkeypatch.setattr(os, "killpg", lambda pid, sig: swallowed.append(pid))
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            stop_processes([process], grace_s=0.2, kill_wait_s=0.2, group=group)
        assert swallowed == [process.pid]
    finally:
        monkeypatch.undo()
        process.kill()
        process.wait(5)
