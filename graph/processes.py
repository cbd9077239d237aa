"""Stopping child processes: ask first (SIGTERM), wait, then kill and reap.

Servers started for a cluster, a benchmark or a test are stopped the same way:
every one still running gets SIGTERM first, so they shut down side by side, then
each is waited for in turn; one that outlasts its grace period is killed (its
whole process group where it leads one, so the children it started go with it)
and reaped, so no caller leaves a stray server or a zombie behind. It lives in
``graph/``, the lowest layer, so ``api``, ``search`` and the tests can all use it
without importing one another.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterable
from typing import Any


def stop_processes(
    processes: Iterable[subprocess.Popen[Any]],
    *,
    grace_s: float,
    kill_wait_s: float | None,
    group: bool = False,
) -> None:
    """Terminate ``processes``, in the order given, and wait until each has exited.

    Args:
        processes: the processes to stop; ones that already exited are only reaped.
        grace_s: how long to wait for each after SIGTERM before killing it.
        kill_wait_s: how long to wait for a killed one (``None``: as long as it takes).
        group: kill the process group a process leads (it was started with
            ``start_new_session=True``), not the process alone.

    Raises:
        subprocess.TimeoutExpired: a killed process did not exit within ``kill_wait_s``.
    """
    processes = list(processes)
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(grace_s)
        except subprocess.TimeoutExpired:
            if group:
                os.killpg(process.pid, signal.SIGKILL)
            else:
                process.kill()
            process.wait(kill_wait_s)
