"""Decoding an uploaded raster image safely: its declared size is judged before a single pixel is decoded, and
the pixels are re-encoded, which drops metadata (EXIF/GPS) and anything appended after the image.

Shared by residents' materials (certificates/uploads.py) and seal impressions (seals/impressions.py). Callers turn
the two exceptions into their own messages: "too large" is not "damaged".
"""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError


class ImageTooLarge(Exception):
    """The declared width × height is over the limit (nothing was decoded)."""


class ImageDamaged(Exception):
    """Not an image of the expected format, or truncated or corrupt."""


def pixel_count(pixels: int) -> str:
    """40_000_000 → '4000 万', as Chinese speaks of camera resolutions (in English: '40000000')."""
    return _("%(wan)d 万") % {"wan": pixels // 10_000}


def reencode_image(data: bytes, *, image_format: str, max_pixels: int) -> bytes:
    """Decode `data` (a PNG or JPEG, given by `image_format`) fully and encode it again in the same format."""
    try:
        # Opening reads the header only. Pillow itself refuses a header over twice its MAX_IMAGE_PIXELS (about
        # 179 million pixels) with DecompressionBombError: that is a size verdict too, never "damaged".
        image = Image.open(io.BytesIO(data), formats=[image_format])
    except Image.DecompressionBombError:
        raise ImageTooLarge from None
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError):
        raise ImageDamaged from None
    with image:
        if image.width * image.height > max_pixels:
            raise ImageTooLarge
        try:
            image.load()  # decodes every pixel: a truncated or corrupt image fails here
            out = io.BytesIO()
            if image_format == "JPEG":
                image.convert("RGB").save(out, "JPEG", quality=90, optimize=True)
            else:
                alpha = "A" in image.getbands() or "transparency" in image.info
                image.convert("RGBA" if alpha else "RGB").save(out, "PNG", optimize=True)
        except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError):
            raise ImageDamaged from None
    return out.getvalue()
