"""National Drug Codes as printed on packages, and as claims carry them (R84)."""

from typing import Final

# The dashed shapes labels print; each part is padded to 5-4-2.
SHAPES: Final = frozenset({(4, 4, 2), (5, 3, 2), (5, 4, 1), (5, 4, 2)})


def ndc11(text: str) -> str | None:
    """The 11 digits (5-4-2) a claim carries, or None when `text` is no NDC."""
    text = text.strip()
    if len(text) == 11 and text.isascii() and text.isdigit():
        return text
    parts = text.split("-")
    if (
        len(parts) == 3
        and all(part.isascii() and part.isdigit() for part in parts)
        and tuple(len(part) for part in parts) in SHAPES
    ):
        return parts[0].zfill(5) + parts[1].zfill(4) + parts[2].zfill(2)
    return None
