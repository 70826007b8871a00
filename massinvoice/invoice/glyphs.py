"""Which characters the invoice's fonts can draw: a name no font covers is a warning naming the
order, never a silent box in the PDF.

The fonts are the template's own (DejaVu Sans) and the system's (fontconfig's usual folders:
the set-up command installs Noto CJK); their character maps are read once per process with
fontTools, and only when a text has characters beyond Latin (most invoices never pay for it).
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from massinvoice.model import OrderWarning
from massinvoice.problems import Code

if TYPE_CHECKING:
    from massinvoice.invoice.document import Invoice

TEMPLATE_FONTS = Path(__file__).resolve().parent / "templates" / "fonts"
SYSTEM_FONT_DIRS = (
    Path("/usr/share/fonts"),
    Path("/usr/local/share/fonts"),
    Path.home() / ".local/share/fonts",
    Path("C:/Windows/Fonts"),
    Path("/Library/Fonts"),
    Path("/System/Library/Fonts"),
)
_SUFFIXES = {".ttf", ".otf", ".ttc", ".otc"}
_LATIN_END = 0x024F  # Basic Latin to Latin Extended-B: covered by the bundled font


def _cmap_of(path: Path) -> set[int]:
    from fontTools.ttLib import TTCollection, TTFont

    try:
        if path.suffix.lower() in {".ttc", ".otc"}:
            with TTCollection(str(path), lazy=True) as fonts:
                return {c for font in fonts.fonts[:1] for c in font.getBestCmap() or ()}
        with TTFont(str(path), lazy=True) as font:
            return set(font.getBestCmap() or ())
    except Exception:  # a broken or unusual font file draws nothing for us
        return set()


@functools.cache
def covered() -> frozenset[int]:
    """Every code point some available font can draw."""
    points: set[int] = set()
    folders = (TEMPLATE_FONTS, *SYSTEM_FONT_DIRS)
    for folder in folders:
        if folder.is_dir():
            for path in folder.rglob("*"):
                if path.suffix.lower() in _SUFFIXES:
                    points |= _cmap_of(path)
    return frozenset(points)


def undrawable(texts: Iterable[str]) -> str:
    """The characters of ``texts`` that no available font covers, in order, once each."""
    missing: dict[str, None] = {}
    for text in texts:
        for ch in text:
            if ord(ch) <= _LATIN_END or ch.isspace() or unicodedata.category(ch) in {"Cf", "Mn"}:
                continue
            if ord(ch) not in covered():
                missing[ch] = None
    return "".join(missing)


def glyph_warnings(invoices: Iterable[Invoice]) -> list[OrderWarning]:
    """A glyph_missing warning for each invoice whose printed names no font can draw."""
    out = []
    for inv in invoices:
        texts = [inv.bill_customer, inv.ship_customer, *(x.product for x in inv.lines)]
        if inv.customer is not None:
            texts += [*inv.customer.address, inv.customer.city, inv.customer.country]
        if missing := undrawable(texts):
            message = f"no installed font can draw {missing!r}: they print as boxes"
            out += [OrderWarning(Code.GLYPH_MISSING, o, message) for o in inv.order_nos]
    return out
