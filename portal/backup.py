"""Backup and restore of the database and the file store (`make backup`, `make restore BACKUP=…`).

A backup is a folder backups/<UTC timestamp>/ with:
- `database.dump`: `pg_dump -Fc` of DATABASE_URL (PostgreSQL), or `database.sqlite3` (SQLite's online backup API);
- `files.tar`: every file of the default storage, read through the storage backend, so the same code copies a
  local media folder or an S3 bucket;
- `manifest.json`: when, which engine, and the SHA-256 and size of each part.

Restore goes into a fresh database (refused when the target already has tables) and an empty file store (refused
otherwise): a restore never mixes with live data. The caller then runs the verify_* commands.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage
from django.db import connection

DUMP, SQLITE, FILES, MANIFEST = "database.dump", "database.sqlite3", "files.tar", "manifest.json"


class BackupError(Exception):
    pass


def _sha256(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            sha.update(block)
    return sha.hexdigest()


def _walk(storage: Storage, folder: str = "") -> list[str]:
    """Every file name in the storage (FileSystemStorage and django-storages' S3 both list folders)."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:  # a local store whose folder was never made is empty
        return []
    names = [f"{folder}/{name}" if folder else name for name in files]
    for sub in folders:
        names += _walk(storage, f"{folder}/{sub}" if folder else sub)
    return sorted(names)


def _libpq_url() -> str:
    """DATABASE_URL in the form libpq accepts (dj-database-url also knows postgis://, pgsql://…)."""
    url = settings.DATABASES["default"]
    netloc = f"{url['USER']}{':' + url['PASSWORD'] if url.get('PASSWORD') else ''}@{url['HOST']}:{url['PORT'] or 5432}"
    return urlunsplit(("postgresql", netloc, f"/{url['NAME']}", "", ""))


def _run(*command: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} 失败：{result.stderr.strip()}")


def backup(root: Path, *, now: dt.datetime | None = None) -> Path:
    """Write a new backup folder under root and return it."""
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%SZ")
    target = root / stamp
    target.mkdir(parents=True, exist_ok=False)
    vendor = connection.vendor
    if vendor == "postgresql":
        _run("pg_dump", "--format=custom", "--no-owner", "--file", str(target / DUMP), _libpq_url())
        database = target / DUMP
    elif vendor == "sqlite":
        database = target / SQLITE
        source = sqlite3.connect(settings.DATABASES["default"]["NAME"])
        copy = sqlite3.connect(database)
        with copy:
            source.backup(copy)  # a consistent copy while the portal keeps writing
        source.close()
        copy.close()
    else:
        raise BackupError(f"不支持的数据库：{vendor}")
    names = _walk(default_storage)
    with tarfile.open(target / FILES, "w") as tar:
        for name in names:
            with default_storage.open(name, "rb") as handle:
                data = handle.read()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    manifest = {
        "created_at": stamp,
        "engine": vendor,
        "files": len(names),
        "parts": {p.name: {"sha256": _sha256(p), "bytes": p.stat().st_size} for p in (database, target / FILES)},
    }
    (target / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
    return target


def _check_manifest(folder: Path) -> dict:
    manifest = json.loads((folder / MANIFEST).read_text())
    for name, part in manifest["parts"].items():
        if _sha256(folder / name) != part["sha256"]:
            raise BackupError(f"备份文件 {name} 与备份清单的校验值不一致。")
    return manifest


def restore(folder: Path) -> dict:
    """Restore a backup folder into the configured (empty) database and (empty) file store."""
    manifest = _check_manifest(folder)
    if manifest["engine"] != connection.vendor:
        raise BackupError(f"备份来自 {manifest['engine']}，目标数据库是 {connection.vendor}。")
    if connection.introspection.table_names():
        raise BackupError("目标数据库已有数据表：只能恢复到新建的空数据库。")
    if _walk(default_storage):
        raise BackupError("目标文件存储不是空的：只能恢复到空的文件存储。")
    if connection.vendor == "postgresql":
        connection.close()
        _run("pg_restore", "--no-owner", "--exit-on-error", "--dbname", _libpq_url(), str(folder / DUMP))
    else:
        connection.close()
        shutil.copyfile(folder / SQLITE, settings.DATABASES["default"]["NAME"])
    restored = 0
    with tarfile.open(folder / FILES) as tar:
        for member in tar:
            if not member.isfile():
                continue
            data = tar.extractfile(member).read()
            saved = default_storage.save(member.name, ContentFile(data))
            if saved != member.name:  # the store renamed it: the records would point at nothing
                raise BackupError(f"文件 {member.name} 恢复后名称变为 {saved}。")
            restored += 1
    return {**manifest, "restored_files": restored}


def create_database_if_missing() -> None:
    """`make restore` into a database that does not exist yet: create it (PostgreSQL; SQLite creates its file)."""
    if connection.vendor != "postgresql":
        return
    name = settings.DATABASES["default"]["NAME"]
    if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
        raise BackupError(f"数据库名 {name} 含有不支持的字符。")
    url = urlsplit(_libpq_url())
    maintenance = urlunsplit((url.scheme, url.netloc, "/postgres", "", ""))
    exists = subprocess.run(
        ["psql", "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'", maintenance],  # noqa: S608 - name checked above
        capture_output=True,
        text=True,
        check=False,
    )
    if exists.stdout.strip() != "1":
        _run("psql", "-c", f'CREATE DATABASE "{name}"', maintenance)
