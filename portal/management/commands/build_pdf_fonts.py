"""Build the compact PDF font: Noto Serif CJK SC cut down to GB 2312 and the punctuation certificates use.

Why: WeasyPrint keeps glyph numbers when it subsets a font for a PDF, so a document embeds metrics for every
glyph up to the highest one it uses. With the full Noto Serif CJK SC (65,000 glyphs) a one-page certificate is
about 220 KB; with this 7,300-glyph font it is about 60 KB. Characters outside it (rare names such as 䶮, 𠮷)
fall back to the full font, which the templates list second.

The font is derived from Debian's fonts-noto-cjk at install time (SIL Open Font License 1.1, whose reserved name
"Source" is not used here) and never committed.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from portal.fontfiles import load_font

FAMILY = "Portal Serif SC Common"
SOURCE_FONT = "Noto Serif CJK SC:regular"
TARGET = Path(settings.BASE_DIR) / "static" / "fonts" / "PortalSerifSC-Common.otf"


def wanted_codepoints() -> set[int]:
    ranges = [
        (0x20, 0x7F),
        (0xA0, 0x100),
        (0x2000, 0x2070),
        (0x2100, 0x2200),
        (0x2460, 0x2500),
        (0x3000, 0x3040),
        (0xFF00, 0xFFF0),
    ]
    chars = {c for start, end in ranges for c in range(start, end)}
    for c in range(0x4E00, 0xA000):
        try:
            chr(c).encode("gb2312")
        except UnicodeEncodeError:
            continue
        chars.add(c)
    return chars


class Command(BaseCommand):
    help = "Derive the compact CJK font used in PDFs (idempotent; skipped when it exists)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true")

    def handle(self, *args, force: bool, **options):
        if TARGET.exists() and not force:
            self.stdout.write(f"{TARGET.name} exists.")
            return
        from fontTools import subset

        font = load_font(SOURCE_FONT)
        options = subset.Options()
        options.layout_features = []  # horizontal text, no OpenType features needed
        options.drop_tables += ["vmtx", "vhea", "VORG", "GSUB", "GPOS", "BASE"]
        options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]  # keep copyright and licence records
        options.desubroutinize = True
        options.hinting = False
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=wanted_codepoints())
        subsetter.subset(font)
        names = font["name"]
        for record in names.names:
            if record.nameID in (1, 4, 16):
                record.string = FAMILY
            elif record.nameID == 6:
                record.string = FAMILY.replace(" ", "")
        TARGET.parent.mkdir(parents=True, exist_ok=True)
        partial = TARGET.with_suffix(".partial")
        font.save(partial)
        partial.rename(TARGET)
        self.stdout.write(f"{TARGET.name}: {font['maxp'].numGlyphs} glyphs, {TARGET.stat().st_size // 1024} KB.")
