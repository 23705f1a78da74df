"""Text folding shared by the name resolver and the liability guard, and the one safe pattern form officers may type.

Folding: NFKC (full-width letters, digits and brackets become half-width), traditional characters become simplified
(OpenCC, the `t2s` table), lower case. Flattening then drops spacing, punctuation and brackets, so '擔 保，書' and
'担保书' compare equal.

Patterns: officers maintain phrases (liability phrases, body keywords). A phrase is plain text, optionally with the
gap mark '…' (or '...'), meaning 'up to GAP_MAX characters of anything', e.g. '承担…责任'. Nothing else is special: the
parts are escaped and joined with a bounded lazy gap, so no officer's entry can become a regular expression that
backtracks catastrophically (at most MAX_GAPS gaps, each bounded).
"""

from __future__ import annotations

import functools
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

GAP_MARKS = ("…", "...")
GAP_MAX = 12
MAX_GAPS = 2
MAX_PATTERN_LENGTH = 40

# Everything that is not a letter or a digit (CJK characters are letters): spaces, punctuation, brackets.
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


@functools.cache
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


@functools.lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """NFKC, traditional → simplified, lower case; spacing and punctuation kept."""
    text = unicodedata.normalize("NFKC", text or "")
    return _converter().convert(text).lower() if text else ""


def flat(text: str) -> str:
    """fold(), then without spaces, punctuation or brackets: '居（租）住 證明' → '居租住证明'."""
    return _NOT_WORD.sub("", fold(text))


def split_gaps(pattern: str) -> list[str]:
    """The literal parts of a phrase, flattened: '承担 … 责任' → ['承担', '责任']."""
    text = pattern or ""
    for mark in GAP_MARKS[1:]:
        text = text.replace(mark, GAP_MARKS[0])
    return [flat(part) for part in text.split(GAP_MARKS[0])]


def validate_pattern(pattern: str) -> None:
    """The rule for a phrase an officer types; raises ValidationError with a Chinese message."""
    parts = split_gaps(pattern)
    if any(not part for part in parts):
        raise ValidationError(_("短语不能为空，省略号“…”的前后都要有文字。"))
    if len(parts) - 1 > MAX_GAPS:
        raise ValidationError(_("一个短语最多使用 %(n)s 个省略号“…”。") % {"n": MAX_GAPS})
    if sum(len(p) for p in parts) > MAX_PATTERN_LENGTH:
        raise ValidationError(_("短语过长（去掉标点后不超过 %(n)s 个字）。") % {"n": MAX_PATTERN_LENGTH})


@functools.lru_cache(maxsize=1024)
def compile_pattern(pattern: str) -> re.Pattern:
    """The regular expression for a phrase, to be searched in flat() text. Only escaped literals and bounded gaps."""
    return re.compile(f".{{0,{GAP_MAX}}}?".join(re.escape(part) for part in split_gaps(pattern)))
