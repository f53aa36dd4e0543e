"""The unified social credit code (统一社会信用代码) of GB 32100-2015: format and check character.

The code has 18 characters from the 31-character set ``0-9`` and the capital letters without
I, O, S, V and Z. Character *i* (from 0) of the first 17 is weighted by 3^i mod 31
(1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28); the 18th is the character whose
value is (31 - sum mod 31) mod 31. Positions 3-8 are the registering authority's administrative
division code (GB/T 2260), digits only.
"""

import re

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUES = {c: i for i, c in enumerate(CHARSET)}
WEIGHTS = [pow(3, i, 31) for i in range(17)]
FORMAT = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def check_char(first17: str) -> str:
    """The check character (18th) for the first 17 characters of a code (which must be in CHARSET)."""
    total = sum(VALUES[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def uscc_problem(code: str) -> str | None:
    """Why ``code`` is not a valid unified social credit code, or None when it is.

    Answers "format" (not 18 characters of the code's character set, or a non-digit in the
    division code) or "checksum" (the 18th character is not the check character).
    """
    if not isinstance(code, str) or not FORMAT.match(code):
        return "format"
    if check_char(code[:17]) != code[17]:
        return "checksum"
    return None
