"""Every string users see goes through Django i18n, and the English catalog translates all of them.

The catalog is regenerated from the current code in a scratch copy of the project, so a new string without an
English translation fails here rather than showing Chinese on an English page.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COPY_IGNORE = shutil.ignore_patterns(".venv", ".git", "var", "screenshots", "staticfiles", "*.sqlite3", "__pycache__")


def statistics(po: Path) -> dict[str, int]:
    result = subprocess.run(
        ["msgfmt", "--statistics", "--check-format", "-o", "/dev/null", str(po)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    counts = {"translated": 0, "fuzzy": 0, "untranslated": 0}
    for number, kind in re.findall(r"(\d+) (translated|fuzzy|untranslated)", result.stderr):
        counts[kind] = int(number)
    return counts


def test_the_english_catalog_covers_every_string_in_the_code(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(ROOT, project, ignore=COPY_IGNORE)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "en", "--ignore=tests", "--no-obsolete", "-v", "0"],
        cwd=project,
        env={"DEBUG": "1", "PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "portal.settings"},
        check=True,
        timeout=300,
    )
    counts = statistics(project / "locale" / "en" / "LC_MESSAGES" / "django.po")
    assert counts["translated"] > 500
    assert (counts["untranslated"], counts["fuzzy"]) == (0, 0), counts


def test_an_english_page_is_english(client, db):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/catalog/").content.decode()
    assert "Community" in page or "community" in page
    assert "证明事项清单" not in page
