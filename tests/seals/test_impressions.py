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
