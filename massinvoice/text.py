"""Small text helpers shared by the stages: matching names, safe file names, safe cells."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {
    f"{p}{i}" for p in ("COM", "LPT") for i in range(10)
}
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


def fold(text: object) -> str:
    """Case-, accent- and spacing-insensitive key: 'Nº  Pedido ' -> 'no pedido'."""
    s = unicodedata.normalize("NFKD", str(text))
    s = "".join(c for c in s if not unicodedata.combining(c))
    s = s.replace("º", "o").replace("°", "o").replace("ª", "a")
    return _SPACES.sub(" ", s).strip().casefold()


def clean(text: object) -> str:
    """A cell's text with outer spaces removed and inner runs of spaces folded."""
    if text is None:
        return ""
    return _SPACES.sub(" ", str(text).replace("\x00", "")).strip()


def safe_filename(name: str, *, max_len: int = 120, default: str = "invoice") -> str:
    """A file name that is safe on Windows, macOS and Linux shares, built from untrusted text.

    Path separators, dots-only names, control characters, reserved device names (CON, NUL ...)
    and overlong names are all neutralised; the result never contains a path separator.
    """
    s = unicodedata.normalize("NFKD", name)
    s = "".join(c for c in s if not unicodedata.combining(c))
    s = _UNSAFE.sub("_", s).strip("._-")
    s = s[:max_len].rstrip("._-")
    if not s:
        s = default
    if s.split(".")[0].upper() in _WINDOWS_RESERVED:
        s = f"_{s}"
    return s


def column_letter(index: int) -> str:
    """A spreadsheet column's letters: 0 -> 'A', 25 -> 'Z', 26 -> 'AA'."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_index(letters: str) -> int:
    """A spreadsheet column's index from its letters: 'A' -> 0, 'AA' -> 26."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1
