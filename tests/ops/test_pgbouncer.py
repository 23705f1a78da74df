"""The portal behind PgBouncer in transaction mode (deploy/README.md, "Connection pooling"): migrations, demo data
and three clients applying, signing and issuing at once through a pool of two server connections, with persistent,
health-checked client connections and no server-side cursors; then every acknowledged write is there and the
register, the seal ledger (QuerySet.iterator()) and the stored documents check.

Runs only on PostgreSQL with Debian's pgbouncer installed (TEST_PACKAGES); the test starts PgBouncer itself on a
free port in front of the suite's PostgreSQL server, with a database of its own.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
PGBOUNCER = shutil.which("pgbouncer") or ("/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None)
SERVER = urlsplit(os.environ.get("DATABASE_URL", ""))

pytestmark = [
    pytest.mark.skipif(not SERVER.scheme.startswith("postgres"), reason="needs DATABASE_URL on PostgreSQL"),
    pytest.mark.skipif(PGBOUNCER is None, reason="needs Debian's pgbouncer (make setup-dev installs it)"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def pooler():
    """PgBouncer in transaction mode with two server connections; as root it drops to the postgres user."""
    workdir = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
    workdir.chmod(0o755)
    port, name = free_port(), f"pooled_{uuid.uuid4().hex[:8]}"
    (workdir / "userlist.txt").write_text(f'"{SERVER.username or "postgres"}" ""\n')
    (workdir / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"* = host={SERVER.hostname} port={SERVER.port or 5432}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {workdir / 'userlist.txt'}\n"
        "pool_mode = transaction\ndefault_pool_size = 2\nmax_client_conn = 100\n"
        f"logfile = {workdir / 'pgbouncer.log'}\npidfile = {workdir / 'pgbouncer.pid'}\n"
    )
    if os.geteuid() == 0:
        for path in workdir.iterdir():
            shutil.chown(path, "postgres")
        shutil.chown(workdir, "postgres")
    maintenance = urlunsplit(SERVER._replace(path="/postgres"))
    subprocess.run(["psql", "-c", f'CREATE DATABASE "{name}"', maintenance], check=True, capture_output=True)
    command = [PGBOUNCER, *(["-u", "postgres"] if os.geteuid() == 0 else []), str(workdir / "pgbouncer.ini")]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(50):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    user = SERVER.username or "postgres"
    yield f"postgres://{user}@127.0.0.1:{port}/{name}", workdir
    process.terminate()
    process.wait(timeout=30)
    subprocess.run(["psql", "-c", f'DROP DATABASE IF EXISTS "{name}"', maintenance], capture_output=True)
    shutil.rmtree(workdir, ignore_errors=True)


def manage(*args: str, database: str, media: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "MEDIA_ROOT": str(media),
        # the development CA that seed_demo makes, beside the media, never in the home folder
        "SIGNING_KEY_DIR": str(media.parent / "keys"),
        "DEBUG": "1",
        # deploy/portal.env.example's settings behind the pooler
        "DB_CONN_MAX_AGE": "60",
        "DB_CONN_HEALTH_CHECKS": "1",
        "DB_DISABLE_SERVER_SIDE_CURSORS": "1",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_concurrent_issuance_through_pgbouncer_in_transaction_mode_keeps_every_invariant(pooler, tmp_path):
    database, workdir = pooler
    media, acks = tmp_path / "media", tmp_path / "acks.jsonl"
    manage("migrate", "--noinput", "-v", "0", "--settings=portal.settings_test", database=database, media=media)
    manage("seed_demo", database=database, media=media)
    load = manage("ops_load", "--seconds", "10", "--clients", "3", "--acks", str(acks), database=database, media=media)
    tally = json.loads(load.stdout.strip().splitlines()[-1])
    assert tally["failed"] == 0
    summary = json.loads(
        manage("ops_load", "--check", str(acks), database=database, media=media).stdout.splitlines()[-1]
    )
    assert summary["issued"] > 0 and summary["lost"] == 0 and summary["orphan_files"] == 0
    assert "登记簿编号核对无误" in manage("verify_register", database=database, media=media).stdout
    assert "用印登记簿核对无误" in manage("verify_seal_ledger", database=database, media=media).stdout
    assert "全部与存储时的校验值一致" in manage("verify_documents", database=database, media=media).stdout
    # The traffic really went through the pooler (its log names the client connections it served).
    assert "login attempt" in (workdir / "pgbouncer.log").read_text()
