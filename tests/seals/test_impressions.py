from concurrent.futures import ThreadPoolExecutor

from seals import impressions


def test_specimens_can_be_drawn_from_many_threads_at_once():
    impressions.specimen_svg.cache_clear()
    impressions._font.cache_clear()
    names = [f"第{n}社区居民委员会" for n in range(16)]
    with ThreadPoolExecutor(8) as pool:
        drawings = list(pool.map(impressions.specimen_svg, names))
    assert all(d.startswith("<svg") and '<path d="M' in d for d in drawings)
    assert len(set(drawings)) == len(names)  # each shows its own community name
    assert "<text" not in drawings[0]  # lettering is outlines: no font needed when printed


def _points(path: str) -> list[tuple[float, float]]:
    import re

    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", path)]
    return list(zip(numbers[::2], numbers[1::2], strict=False))


def test_the_specimens_lettering_follows_the_ring_glyph_by_glyph():
    import math

    path = impressions.arc_text_path("雁塔区小寨路街道育才路社区居民委员会", radius=69, size=17, span=250)
    distances = [math.hypot(x - 100, y - 100) for x, y in _points(path)]
    # every outline point lies in the band between the baseline circle and the ring: curved, not a straight line
    assert distances and min(distances) > 60 and max(distances) < 92
    left = [x for x, y in _points(path) if y > 100]
    assert left  # the run goes down both sides past the middle, as on a seal


def test_a_certificate_seal_says_its_purpose():
    certificate = impressions.specimen_svg("测试社区居民委员会", "certificate")
    official = impressions.specimen_svg("测试社区居民委员会", "official")
    purpose = impressions.text_path("证明专用章", centre_x=100, baseline=146, size=15)
    assert purpose in certificate and purpose not in official
    assert "样章" not in certificate and impressions.text_path("样章", centre_x=100, baseline=166, size=12) in official
