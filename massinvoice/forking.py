"""Work handed to a forked process while this one does other work, on two cores or more.

A forked child shares what the parent holds at the fork (no pickling of large records) and
gives back a small JSON result through a pipe. It never returns into the caller's code: it
ends with ``os._exit`` whatever happens. Off Linux, or on one core, callers do the work
themselves; the result must be the same either way.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any


def can_fork() -> bool:
    """Linux, where a fork is cheap and safe (macOS's system libraries are not made for it),
    in a process of one thread: a lock another thread held at the fork would stay held in
    the child for ever (a program calling us from several threads gets the one-process way)."""
    return (
        sys.platform.startswith("linux") and hasattr(os, "fork") and threading.active_count() == 1
    )


def two_cores() -> bool:
    """Whether forking pays: :func:`can_fork`, with two cores ours to use."""
    return can_fork() and len(os.sched_getaffinity(0)) >= 2


def cap_memory(extra: int) -> None:
    """In a forked process: limit its address space to its size now plus ``extra`` bytes, so
    that an engine asking for more fails there, and silence its stderr (an engine refusing
    to allocate says so there, then aborts)."""
    import faulthandler
    import resource  # POSIX only, as fork is

    faulthandler.disable()  # an abort here is expected: no traceback dump
    status = Path("/proc/self/status").read_text()
    size = next(int(x.split()[1]) * 1024 for x in status.splitlines() if x.startswith("VmSize:"))
    resource.setrlimit(resource.RLIMIT_AS, (size + extra, resource.RLIM_INFINITY))
    with open(os.devnull, "w") as quiet:
        os.dup2(quiet.fileno(), 2)


class Forked:
    """``work()`` running in a forked child; :meth:`result` waits for it and reaps it.

    Fork before starting any thread of your own: the child has only the forking thread.
    """

    def __init__(self, work: Callable[[], Any]):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            code = 1
            try:
                os.close(read_end)
                with os.fdopen(write_end, "wb") as pipe:
                    pipe.write(json.dumps(work()).encode())
                code = 0
            finally:
                os._exit(code)
        os.close(write_end)
        self.pid, self._read_end, self._done = pid, read_end, False

    def result(self, *, kill: bool = False) -> tuple[bool, Any]:
        """``(True, value)`` when the child finished its work, ``(False, None)`` when it failed
        or was killed (``kill``: stop it first, its work is no longer wanted)."""
        if self._done:
            raise RuntimeError("the result was already taken")
        self._done = True
        if kill:
            os.kill(self.pid, signal.SIGKILL)
        with os.fdopen(self._read_end, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(self.pid, 0)
        if kill or os.waitstatus_to_exitcode(status) != 0:
            return False, None
        try:
            return True, json.loads(data)
        except ValueError:
            return False, None
