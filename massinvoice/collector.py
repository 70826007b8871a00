"""Pausing Python's cycle collector around bulk work.

Reading an export, building its records, writing or reading a selection workbook and laying
out an invoice each allocate hundreds of thousands of objects that live on (or die together):
the collector would walk them again and again and find nothing to free.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collector_paused(collect: int | None = None) -> Iterator[None]:
    """Pause the cycle collector for the block; its state is restored after, so callers see no
    difference. ``collect``: the generation to collect once the block is done (a document's
    cycles, when it is written), or None to leave it to the collector's next turn."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        if collect is not None:
            gc.collect(collect)
