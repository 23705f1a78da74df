"""Loading the official 12-digit statistical division codes (统计用区划代码) into Region.

The file (portal/data/shaanxi_regions.csv.gz, made by scripts/extract_shaanxi_regions.py; plain or gzip CSV, lines
starting with # are comments) has the columns code, name, level, parent and, where the source has it, the
urban-rural classification code (城乡分类代码: 111/112/121 are urban → residents' committee, 122/123/210/220 rural →
villagers' committee). Without it the kind of a community comes from its name: 居委会 / 居民委员会 or 村委会 / 村民委员会.

Re-importing updates names (and kinds); a code that disappeared from the file's provinces is retired (retired_on),
never deleted; the report says what changed, per level.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from portal.models import Region
from portal.regions import LEVEL_ORDER, CommunityKind, Level

SHIPPED = Path(__file__).resolve().parent / "data" / "shaanxi_regions.csv.gz"
URBAN = {"111", "112", "121"}


@dataclass
class Report:
    created: Counter = field(default_factory=Counter)
    renamed: Counter = field(default_factory=Counter)
    retired: Counter = field(default_factory=Counter)
    restored: Counter = field(default_factory=Counter)
    total: Counter = field(default_factory=Counter)

    def lines(self) -> list[str]:
        out = []
        for level in LEVEL_ORDER:
            out.append(
                f"{level}: total={self.total[level]} created={self.created[level]} renamed={self.renamed[level]} "
                f"retired={self.retired[level]} restored={self.restored[level]}"
            )
        return out

    @property
    def changed(self) -> int:
        return sum(self.created.values()) + sum(self.renamed.values()) + sum(self.retired.values())


def read_rows(path: Path | str) -> list[dict[str, str]]:
    raw = Path(path).read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    text = raw.decode("utf-8-sig")
    lines = [line for line in io.StringIO(text) if not line.startswith("#")]
    return list(csv.DictReader(lines))


def community_kind(name: str, urban_rural: str = "") -> str:
    if urban_rural:
        return CommunityKind.RESIDENTS_COMMITTEE if urban_rural.strip() in URBAN else CommunityKind.VILLAGERS_COMMITTEE
    if "村委会" in name or "村民委员会" in name:
        return CommunityKind.VILLAGERS_COMMITTEE
    return CommunityKind.RESIDENTS_COMMITTEE  # 居委会, 居民委员会, 社区


@transaction.atomic
def import_regions(rows: list[dict[str, str]], *, create_only: bool = False, today: dt.date | None = None) -> Report:
    """Create, rename and retire regions from `rows`. create_only: only add missing codes (the first migrate, which
    must leave places that already exist, with their people, as they are)."""
    today = today or timezone.localdate()
    report = Report()
    existing = {r.code: r for r in Region.objects.all()}
    by_level: dict[str, list[dict[str, str]]] = {level: [] for level in LEVEL_ORDER}
    for row in rows:
        by_level[row["level"]].append(row)
    seen: set[str] = set()
    for level in LEVEL_ORDER:  # parents first
        new: list[Region] = []
        for row in by_level[level]:
            code, name = row["code"].strip(), row["name"].strip()
            seen.add(code)
            report.total[level] += 1
            kind = community_kind(name, row.get("urban_rural") or "") if level == Level.COMMUNITY else ""
            region = existing.get(code)
            if region is None:
                parent = existing.get(row.get("parent") or "") if level != Level.PROVINCE else None
                new.append(Region(code=code, name=name, level=level, parent=parent, community_kind=kind))
                report.created[level] += 1
            elif not create_only:
                changed = []
                if region.name != name:
                    region.name = name
                    changed.append("name")
                    report.renamed[level] += 1
                if level == Level.COMMUNITY and region.community_kind != kind:
                    region.community_kind = kind
                    changed.append("community_kind")
                if region.retired_on is not None:
                    region.retired_on = None
                    changed.append("retired_on")
                    report.restored[level] += 1
                if changed:
                    region.save(update_fields=changed)
        for region in Region.objects.bulk_create(new, batch_size=2000):
            existing[region.code] = region
        if new:
            from catalog import publiccache
            from portal import pagecache

            publiccache.changed()  # bulk_create sends no post_save: the public pages list the new places
            pagecache.changed_everywhere()  # and the county desk its communities
    if not create_only:
        provinces = {row["code"][:2] for row in rows}
        for region in existing.values():
            if region.code[:2] in provinces and region.code not in seen and region.retired_on is None:
                region.retired_on = today
                region.save(update_fields=["retired_on"])
                report.retired[region.level] += 1
    return report
