"""Is a text export complete? A csv cut short in its last line (a copy that stalled, a disk that
filled) would otherwise read as a shorter last order, or a price of 0.7 where 0.75 was meant.

A file that ends without a line break and whose last line has fewer fields than the line above
it is refused as truncated. A complete last line without a final line break is accepted: many
tools write files that way.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from massinvoice.problems import FILE, Code, Problem
from massinvoice.read.guard import TEXTS

_TAIL = 1 << 16  # the last lines are in the last 64 KiB of any sane export
_DELIMITERS = (",", ";", "\t", "|")


def truncated(path: Path) -> Problem | None:
    """A problem if the text file ``path`` looks cut short in its last line, else None."""
    if path.suffix.lower() not in TEXTS:
        return None
    try:
        with open(path, "rb") as f:
            size = f.seek(0, io.SEEK_END)
            f.seek(max(0, size - _TAIL))
            tail = f.read()
    except OSError:
        return None  # the reader reports what cannot be opened
    if not tail or tail.endswith((b"\n", b"\r")) or b"\x00" in tail:
        return None  # complete; or UTF-16 or binary, which the reader refuses as such
    text = tail.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")
    lines = [ln for ln in text.split("\n")[1:] if ln.strip()]  # the first may be cut by _TAIL
    if len(lines) < 2:
        return None
    before, last = lines[-2], lines[-1]
    width = {d: _fields(before, d) for d in _DELIMITERS}
    delimiter = max(width, key=lambda d: width[d])
    have, want = _fields(last, delimiter), width[delimiter]
    if want < 2 or have >= want:
        return None
    return Problem(
        Code.TRUNCATED,
        f"the file is cut short: its last line ends without a line break and has {have} of "
        f"{want} fields ({last[-40:]!r})",
        str(path), level=FILE,
        hint="the copy or export did not finish: copy or export the file again, complete",
    )  # fmt: skip


def _fields(line: str, delimiter: str) -> int:
    try:
        return len(next(csv.reader([line], delimiter=delimiter)))
    except (csv.Error, StopIteration):
        return 0
