"""The backup drill: certificates issued through the workflow, `manage.py backup`, `manage.py restore` into a fresh
database and an empty file store, and the register, the seal ledger and every stored document check afterwards.

Runs on the database the suite runs on: with DATABASE_URL on PostgreSQL (pg_dump -Fc / pg_restore into a new
database on the same server), otherwise on SQLite files (the online backup API). Everything runs in subprocesses
against databases of its own, never the test database.
"""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]


def database_urls(tmp_path: Path) -> tuple[str, str]:
    base = os.environ.get("DATABASE_URL", "")
    if base.startswith(("postgres://", "postgresql://")):
        url, suffix = urlsplit(base), uuid.uuid4().hex[:8]
        return tuple(urlunsplit(url._replace(path=f"/drill_{side}_{suffix}")) for side in ("source", "restored"))
    return f"sqlite:///{tmp_path / 'source.sqlite3'}", f"sqlite:///{tmp_path / 'restored.sqlite3'}"


def manage(*args: str, database: str, media: Path, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database, "MEDIA_ROOT": str(media), "DEBUG": "1"}
    env["SIGNING_KEY_DIR"] = str(media.parent / "keys")  # the CA seed_demo makes, never in the home folder
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def drop(url: str) -> None:
    if url.startswith("postgres"):
        parts = urlsplit(url)
        maintenance = urlunsplit(parts._replace(path="/postgres"))
        subprocess.run(["psql", "-c", f'DROP DATABASE IF EXISTS "{parts.path[1:]}"', maintenance], capture_output=True)


@pytest.fixture
def drill(tmp_path):
    source, restored = database_urls(tmp_path)
    if source.startswith("postgres"):
        parts = urlsplit(source)
        maintenance = urlunsplit(parts._replace(path="/postgres"))
        subprocess.run(
            ["psql", "-c", f'CREATE DATABASE "{parts.path[1:]}"', maintenance], check=True, capture_output=True
        )
    yield source, restored
    drop(source)
    drop(restored)


def test_backup_and_restore_into_a_fresh_database_keep_every_record_and_document(drill, tmp_path):
    source, restored = drill
    source_media, restored_media, backups = tmp_path / "media", tmp_path / "restored-media", tmp_path / "backups"
    manage("migrate", "--noinput", "-v", "0", "--settings=portal.settings_test", database=source, media=source_media)
    manage("seed_demo", database=source, media=source_media)
    load = manage(
        "ops_load",
        "--seconds",
        "6",
        "--clients",
        "1",
        "--acks",
        str(tmp_path / "acks.jsonl"),
        database=source,
        media=source_media,
    )
    issued = [json.loads(line) for line in (tmp_path / "acks.jsonl").read_text().splitlines()]
    issued = [r for r in issued if r["kind"] == "issued"]
    assert issued, load.stdout  # the drill restores real certificates

    made = manage("backup", "--to", str(backups), database=source, media=source_media)
    folder = Path(made.stdout.strip().splitlines()[-1].removeprefix("backup="))
    assert {p.name for p in folder.iterdir()} >= {"files.tar", "manifest.json"}

    result = manage("restore", str(folder), database=restored, media=restored_media)
    assert "登记簿编号核对无误" in result.stdout
    assert "用印登记簿核对无误" in result.stdout
    assert "全部与存储时的校验值一致" in result.stdout
    # Every certificate acknowledged before the backup is in the restored database with the same file and hash.
    checked = manage("ops_load", "--check", str(tmp_path / "acks.jsonl"), database=restored, media=restored_media)
    summary = json.loads(checked.stdout.strip().splitlines()[-1])
    assert summary["lost"] == 0 and summary["orphan_files"] == 0 and summary["issued"] == len(issued)

    # A restore never mixes with live data: the restored database now has tables and is refused.
    again = manage("restore", str(folder), database=restored, media=tmp_path / "empty", check=False)
    assert again.returncode != 0 and "只能恢复到新建的空数据库" in again.stderr

    # verify_documents notices a changed and a missing file in the restored store.
    changed, missing = restored_media / issued[0]["pdf"], restored_media / issued[-1]["pdf"]
    changed.write_bytes(changed.read_bytes() + b"%")
    if missing != changed:
        missing.unlink()
    broken = manage("verify_documents", database=restored, media=restored_media, check=False)
    assert broken.returncode != 0, (issued, broken.stdout, sorted(str(p) for p in restored_media.rglob("*")))
    assert "与存储时的校验值不一致" in broken.stderr
    if missing != changed:
        assert "不存在" in broken.stderr
