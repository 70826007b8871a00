"""The inbox of a shared folder: which files are ready, what each one is, and names that fit.

A file is ready when no office program holds it, it is old enough, and its size and time did not
change between two looks (a copy still under way waits for the next pass).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

from massinvoice.batch.lock import ignored, open_in_office
from massinvoice.messages import say

log = logging.getLogger(__name__)

# A file name's room (255 bytes on every usual file system), less what may be added to it:
# the error note's suffix and the -2, -3 ... of a name already taken.
NAME_BYTES = 255 - len(".error.txt") - 6


def fit_name(stem: str, tail: str) -> str:
    """``stem + tail``, the stem shortened (by whole characters) so that the name fits."""
    room = NAME_BYTES - len(tail.encode())
    encoded = stem.encode()
    if len(encoded) > room:
        stem = encoded[:room].decode("utf-8", "ignore")
    return stem + tail


def ready_files(
    inbox: Path, settle: float, min_age: float, stop: threading.Event, lang: str
) -> tuple[list[tuple[Path, os.stat_result]], list[tuple[Path, str]]]:
    """Files of the inbox to process now, and the others with why they wait (open in an office
    program, too young, still being copied)."""
    first: dict[Path, os.stat_result] = {}
    waiting: list[tuple[Path, str]] = []
    for path in sorted(inbox.iterdir()):
        if not path.is_file() or ignored(path.name):
            if path.is_file():
                log.debug("ignored %s: %s", path.name, ignored(path.name))
            continue
        st = path.stat()
        if open_in_office(path):
            waiting.append((path, say("b_open", lang)))
        elif time.time() - st.st_mtime < min_age:
            waiting.append((path, say("b_young", lang)))
        else:
            first[path] = st
    if first and settle > 0:
        stop.wait(settle)
    ready = []
    for path, st in first.items():
        try:
            again = path.stat()
        except FileNotFoundError:
            continue
        if (again.st_size, again.st_mtime_ns) != (st.st_size, st.st_mtime_ns):
            waiting.append((path, say("b_copying", lang)))
        else:
            ready.append((path, again))
    return ready, waiting


def kind_of(path: Path) -> str:
    """selection (a workbook we made, as .xlsx, or re-saved as .ods or .xls) or export."""
    from massinvoice.readback.selection import is_selection_workbook

    return "selection" if is_selection_workbook(path) else "export"


def free_name(folder: Path, name: str) -> Path:
    """folder/name, or folder/name-2, -3 ... if taken."""
    p = Path(name)
    candidate, n = folder / name, 1
    while candidate.exists():
        n += 1
        candidate = folder / f"{p.stem}-{n}{p.suffix}"
    return candidate
