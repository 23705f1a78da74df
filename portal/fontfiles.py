"""System fonts by family name, through fontconfig: the one place that asks `fc-match` where a font lives.

Used by the PDF font coverage check (certificates/fonts.py), the specimen seal lettering (seals/impressions.py)
and the build of the compact PDF font (build_pdf_fonts).
"""

from __future__ import annotations

import shutil
import subprocess
from typing import Any


def font_location(family: str) -> tuple[str, int]:
    """The font file fontconfig chooses for `family`, and the face's index inside a collection (.ttc/.otc)."""
    program = shutil.which("fc-match")
    if program is None:
        raise RuntimeError("fc-match is missing: install the Debian package fontconfig (make run does)")
    # The family names are our own constants, never user input.
    output = subprocess.run(  # noqa: S603
        [program, "-f", "%{file}\n%{index}", family], capture_output=True, text=True, check=True
    ).stdout.split("\n")
    return output[0], int(output[1] or 0) if len(output) > 1 else 0


def load_font(family: str) -> Any:
    """The fontTools font object of that family's face."""
    from fontTools.ttLib import TTCollection, TTFont

    path, index = font_location(family)
    return TTCollection(path).fonts[index] if path.endswith((".ttc", ".otc")) else TTFont(path)
