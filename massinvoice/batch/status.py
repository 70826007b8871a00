"""What the shared folder tells the people who use it: a status file at its root (STATUS.txt,
or ESTADO.txt in Spanish) rewritten after every pass, progress of long invoice runs, and the
clean-up of error notes whose file later went through.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from massinvoice.files import atomic_write_text
from massinvoice.messages import say

STATUS_NAMES = {"en": "STATUS.txt", "es": "ESTADO.txt"}

_WORDS = {
    "en": {
        "title": "massinvoice: shared folder status",
        "last": "Last pass: {when}",
        "nothing": "Nothing was waiting in inbox/.",
        "done": "Done",
        "failed": "FAILED (the file is in errors/ with a note saying what to fix)",
        "waiting": "Waiting for the next pass",
        "errors": "In errors/ now ({n}): open the .error.txt beside each file",
        "none": "(none)",
        "how": "This file is rewritten after every pass; details in massinvoice.log.",
    },
    "es": {
        "title": "massinvoice: estado de la carpeta compartida",
        "last": "Última pasada: {when}",
        "nothing": "No había nada en espera en inbox/.",
        "done": "Hecho",
        "failed": "CON ERROR (el archivo está en errors/ con una nota que dice qué corregir)",
        "waiting": "En espera de la próxima pasada",
        "errors": "En errors/ ahora ({n}): abra el .error.txt junto a cada archivo",
        "none": "(ninguno)",
        "how": "Este archivo se reescribe tras cada pasada; detalles en massinvoice.log.",
    },
}


def write_status(folder: Path, language: str, when: dt.datetime, outcomes: Sequence[Any]) -> Path:
    """Rewrite the folder's status file from one pass's outcomes (FileOutcome records)."""
    lang = language if language in _WORDS else "en"
    w = _WORDS[lang]
    lines = [w["title"], "=" * len(w["title"]), w["last"].format(when=f"{when:%Y-%m-%d %H:%M}"), ""]
    if not outcomes:
        lines += [w["nothing"], ""]
    for outcome, heading in (("error", "failed"), ("done", "done"), ("skipped", "waiting")):
        chosen = [o for o in outcomes if o.outcome == outcome]
        if chosen:
            lines.append(f"{w[heading]}:")
            lines += [f"  {o.input.name}: {o.message}" for o in chosen]
            lines.append("")
    notes = sorted(p.name for p in (folder / "errors").glob("*.error.txt"))
    lines.append(w["errors"].format(n=len(notes)) + ":")
    lines += [f"  {n}" for n in notes] or [f"  {w['none']}"]
    lines += ["", w["how"]]
    path = folder / STATUS_NAMES[lang]
    atomic_write_text(path, "\r\n".join(lines) + "\r\n")  # read on Windows too
    for other in STATUS_NAMES.values():  # the language changed: one status file, not two
        if other != path.name:
            (folder / other).unlink(missing_ok=True)
    return path


def clear_old_errors(errors: Path, name: str) -> list[Path]:
    """Remove errors/ copies of ``name`` (stamped NAME-YYYYMMDD-HHMMSS[-N].ext) and their notes:
    the file has now gone through, so its old failure no longer needs anyone's attention."""
    p = Path(name)
    stamped = re.compile(
        re.escape(p.stem) + r"-\d{8}-\d{6}(?:-\d+)?" + re.escape(p.suffix) + r"(?:\.error\.txt)?"
    )
    removed = []
    if errors.is_dir():
        for old in errors.iterdir():
            if old.is_file() and stamped.fullmatch(old.name):
                old.unlink(missing_ok=True)
                removed.append(old)
    return removed


def every_tenth(
    tell: Callable[[str], None], name: str, language: str
) -> Callable[[int, int], None]:
    """A progress callback for an invoice run that tells how it goes about every tenth of it
    (a long run in the shared folder is never silent in its log)."""
    said = [-1]

    def progress(done: int, total: int) -> None:
        step = max(total // 10, 1)
        if total and done and (done == total or done // step != said[0]):
            said[0] = done // step
            tell(say("b_progress", language, name=name, done=done, total=total))

    return progress
