"""Extract Shaanxi's statistical divisions (province → city → county → township → community/village) from the npm
package china-division into portal/data/shaanxi_regions.csv.gz, the file `manage.py import_regions` and the first
migrate load.

Run once per new edition of the data (not at build time):

    npm pack china-division@2.7.0 && tar xzf china-division-2.7.0.tgz
    python scripts/extract_shaanxi_regions.py package/ portal/data/shaanxi_regions.csv.gz

The package's dist/*.csv carry the National Bureau of Statistics' 2023 统计用区划代码 (cut-off 2023-06-30) without
the urban-rural classification code, so the kind of committee comes from the name (居委会 / 村委会).
"""

from __future__ import annotations

import csv
import gzip
import json
import sys
from pathlib import Path

PROVINCE = "61"
HEADER = [
    "# 陕西省统计用区划代码（省、市、县、乡镇/街道、村/居委会），2023年度（截止2023-06-30，国家统计局2023-09-11发布）",
    "# source: npm package china-division {version} (github.com/modood/Administrative-divisions-of-China), dist/*.csv",
    "# licence of the package: WTFPL; the codes themselves are public statistical data of the National Bureau of Statistics",
    "# columns: code (12 digits), name, level (province|city|county|street|community), parent code, urban_rural code",
]


def pad(code: str) -> str:
    return code.ljust(12, "0")


def rows(package: Path):
    dist = package / "dist"

    def read(name: str):
        with (dist / name).open(encoding="utf-8") as handle:
            return [r for r in csv.DictReader(handle) if r["code"].startswith(PROVINCE)]

    yield pad(PROVINCE), "陕西省", "province", "", ""
    for r in read("cities.csv"):
        yield pad(r["code"]), r["name"], "city", pad(PROVINCE), ""
    for r in read("areas.csv"):
        yield pad(r["code"]), r["name"], "county", pad(r["cityCode"]), ""
    for r in read("streets.csv"):
        yield pad(r["code"]), r["name"], "street", pad(r["areaCode"]), ""
    for r in read("villages.csv"):
        yield r["code"], r["name"], "community", pad(r["streetCode"]), ""


def main(package: str, target: str) -> None:
    version = json.loads((Path(package) / "package.json").read_text(encoding="utf-8"))["version"]
    with gzip.open(target, "wt", encoding="utf-8", newline="") as out:
        for line in HEADER:
            out.write(line.format(version=version) + "\n")
        writer = csv.writer(out)
        writer.writerow(["code", "name", "level", "parent", "urban_rural"])
        for row in rows(Path(package)):
            writer.writerow(row)


if __name__ == "__main__":
    main(*sys.argv[1:3])
