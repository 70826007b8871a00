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


# --- e-mail addresses, as people type them into a directory cell or a config value -------------

_ADDRESS = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;.]+(\.[^@\s<>,;.]+)+$")
_ADDRESS_SEPARATORS = re.compile(r"[,;\r\n]+")
_ADDRESS_TOKENS = re.compile(r"<[^<>]*>?|[^\s<>]+")


def email_addresses(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The addresses in ``text`` and the parts that are not addresses.

    Separated by commas, semicolons, new lines or spaces; ``Name <address>`` is accepted and
    kept whole. ``'ana@x.ec; Luis <luis@x.ec>'`` -> ``(('ana@x.ec', 'Luis <luis@x.ec>'), ())``.
    """
    good: list[str] = []
    bad: list[str] = []
    for part in _ADDRESS_SEPARATORS.split(text or ""):
        for piece in _pieces(clean(part)):
            address = _one_address(piece)
            (good if address else bad).append(address or piece)
    return tuple(dict.fromkeys(good)), tuple(bad)


def _pieces(part: str) -> list[str]:
    """'a@x.ec Ana Pérez <ana@x.ec>' -> ['a@x.ec', 'Ana Pérez <ana@x.ec>']."""
    pieces: list[str] = []
    name: list[str] = []
    for token in _ADDRESS_TOKENS.findall(part):
        if token.startswith("<"):
            pieces.append(" ".join([*name, token]))
            name = []
        elif not name and _ADDRESS.match(token):
            pieces.append(token)
        else:
            name.append(token)
    if name:
        pieces.append(" ".join(name))  # words that name nothing: not an address
    return pieces


def _one_address(piece: str) -> str:
    name, _, rest = piece.rpartition("<")
    addr = rest.rstrip(">").strip() if "<" in piece else piece
    if not _ADDRESS.match(addr) or ("<" in piece) != piece.endswith(">"):
        return ""
    name = clean(name).strip('"')
    return f"{name} <{addr}>" if name else addr


def bare_address(address: str) -> str:
    """``'Luis <luis@x.ec>'`` -> ``'luis@x.ec'``: the part an SMTP envelope takes."""
    return address.rpartition("<")[2].rstrip(">").strip() if "<" in address else address.strip()
