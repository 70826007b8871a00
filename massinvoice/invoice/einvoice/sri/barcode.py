"""Code 128 barcodes as SVG, for the clave de acceso printed on the RIDE.

A 49-digit key is coded in set C (two digits a symbol) with the last, odd digit in set B, then
the modulo-103 check symbol and the stop pattern. Each symbol is three bars and three spaces, of
widths 1 to 4 modules adding up to 11 (the stop pattern: four bars, 13 modules).
"""

from __future__ import annotations

# Bar and space widths of the symbol values 0..106 (106 = stop), ISO/IEC 15417.
_TABLE = (
    "212222 222122 222221 121223 121322 131222 122213 122312 132212 221213 221312 231212 112232 "
    "122132 122231 113222 123122 123221 223211 221132 221231 213212 223112 312131 311222 321122 "
    "321221 312212 322112 322211 212123 212321 232121 111323 131123 131321 112313 132113 132311 "
    "211313 231113 231311 112133 112331 132131 113123 113321 133121 313121 211331 231131 213113 "
    "213311 213131 311123 311321 331121 312113 312311 332111 314111 221411 431111 111224 111422 "
    "121124 121421 141122 141221 112214 112412 122114 122411 142112 142211 241211 221114 413111 "
    "241112 134111 111242 121142 121241 114212 124112 124211 411212 421112 421211 212141 214121 "
    "412121 111143 111341 131141 114113 114311 411113 411311 113141 114131 311141 411131 211412 "
    "211214 211232 2331112"
)
PATTERNS = tuple(_TABLE.split())
START_B, START_C, CODE_B, STOP = 104, 105, 100, 106
QUIET = 10  # modules of blank on each side


def symbols(digits: str) -> list[int]:
    """The symbol values (start, data, check, stop) that code ``digits``."""
    if not digits.isdigit():
        raise ValueError("only digits are coded here")
    values = [START_C] + [int(digits[i : i + 2]) for i in range(0, len(digits) - 1, 2)]
    if len(digits) % 2:
        values += [CODE_B, ord(digits[-1]) - 32]
    check = (values[0] + sum(i * v for i, v in enumerate(values[1:], 1))) % 103
    return [*values, check, STOP]


def widths(digits: str) -> list[int]:
    """Module widths of the bars and spaces, starting with a bar."""
    return [int(w) for value in symbols(digits) for w in PATTERNS[value]]


def svg(digits: str, *, module: float = 1.0, height: float = 40.0) -> str:
    """An SVG image of the barcode (black bars on white, quiet zones included)."""
    x = QUIET * module
    bars = []  # one path of rectangles: an SVG renderer draws it as one shape, not 150 nodes
    for i, w in enumerate(widths(digits)):
        if i % 2 == 0:
            bars.append(f"M{x:g} 0h{w * module:g}v{height:g}h{-w * module:g}z")
        x += w * module
    total = x + QUIET * module
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="barcode" width="{total:g}" '
        f'height="{height:g}" viewBox="0 0 {total:g} {height:g}" shape-rendering="crispEdges">'
        f'<rect width="{total:g}" height="{height:g}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(bars)}"/></svg>'
    )
