"""A short `make faulttest`: the database killed under load and started again (scripts/faulttest.py). Users get the
Chinese 503 with Retry-After, /readyz fails and passes again within seconds, nothing acknowledged is lost, the
register stays gapless and no file is left without its record. The script exits non-zero otherwise.

It runs its own PostgreSQL cluster, so it needs the server binaries; run once in CI, in the PostgreSQL pass.
"""

import glob
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="runs in the PostgreSQL pass only"
)
@pytest.mark.skipif(not glob.glob("/usr/lib/postgresql/*/bin/initdb"), reason="needs PostgreSQL's server binaries")
def test_the_portal_survives_a_database_crash_under_load():
    result = subprocess.run(
        [sys.executable, "scripts/faulttest.py", "--load-seconds", "20", "--down-seconds", "4"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr[-2000:]
    print(summary)
    assert result.returncode == 0 and "result=PASS" in summary, summary + result.stderr[-2000:]
    assert "http_500=0" in summary and "lost=0" in summary and "orphan_files=0" in summary
