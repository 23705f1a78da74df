"""Which characters the certificate font can draw. A certificate must never show a blank box for a name.

The certificate is set in Noto Serif CJK SC (Debian's fonts-noto-cjk), which covers CJK Unified Ideographs with
Extensions A and B (e.g. 䶮, 𠮷). A character outside its map stops issuance with a message naming it.
"""

from __future__ import annotations

import functools
import threading
import unicodedata

from portal.fontfiles import load_font

CERTIFICATE_FONT = "Noto Serif CJK SC"
_LOAD_LOCK = threading.Lock()


def _codepoints(family: str) -> frozenset[int]:
    with _LOAD_LOCK:  # the first call reads the font; concurrent first calls must not share a half-read file
        return _load_codepoints(family)


@functools.cache
def _load_codepoints(family: str) -> frozenset[int]:
    return frozenset(load_font(family).getBestCmap())


def missing_characters(text: str, family: str = CERTIFICATE_FONT) -> list[str]:
    """Printable characters of text that the font lacks, in order of first appearance."""
    covered = _codepoints(family)
    missing: list[str] = []
    for ch in text:
        if ch.isspace() or unicodedata.category(ch).startswith("C"):
            continue
        if ord(ch) not in covered and ch not in missing:
            missing.append(ch)
    return missing
